#include "engine/resolved_query.h"

#include "common/strings.h"

namespace cleanroom::engine {
namespace {

std::string JoinExprs(const std::vector<Expr>& exprs, const std::vector<Scan>& scans) {
  std::string out;
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (i) out += ", ";
    out += ToString(exprs[i], scans);
  }
  return out;
}

}  // namespace

std::string ToString(const Expr& expr, const std::vector<Scan>& scans) {
  switch (expr.kind) {
    case Expr::Kind::kColumn: {
      bool known = expr.scan >= 0 && static_cast<size_t>(expr.scan) < scans.size();
      return StrCat(known ? scans[expr.scan].table : "?", ".", expr.name);
    }
    case Expr::Kind::kConstant:
      return expr.name;
    case Expr::Kind::kComparison:
    case Expr::Kind::kConjunction: {
      std::string out = "(";
      for (size_t i = 0; i < expr.children.size(); ++i) {
        if (i) out += StrCat(" ", expr.name, " ");
        out += ToString(expr.children[i], scans);
      }
      return out + ")";
    }
    case Expr::Kind::kCast:
      return StrCat("CAST(", JoinExprs(expr.children, scans), " AS ", expr.name, ")");
    case Expr::Kind::kCase:
      return StrCat("CASE(", JoinExprs(expr.children, scans), ")");
    default: {
      std::string out = StrCat(expr.name, "(", expr.distinct ? "DISTINCT " : "", JoinExprs(expr.children, scans));
      if (!expr.modifiers.empty()) out += StrCat(" | ", JoinExprs(expr.modifiers, scans));
      return out + ")";
    }
  }
}

}  // namespace cleanroom::engine
