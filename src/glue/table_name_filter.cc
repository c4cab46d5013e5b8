#include "glue/table_name_filter.h"

#include "common/strings.h"
#include "glue/names.h"
#include "re2/re2.h"

namespace cleanroom::glue {

std::string TableNameFilter::Translate(std::string_view expression) {
  std::string out;
  out.reserve(expression.size() + 8);
  bool in_class = false;
  for (size_t i = 0; i < expression.size(); ++i) {
    char c = expression[i];
    if (c == '\\' && i + 1 < expression.size()) {
      out.push_back(c);
      out.push_back(expression[++i]);
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out.push_back(c);
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.push_back(c);
      // A ']' right after '[' or '[^' is a literal member of the class.
      if (i + 1 < expression.size() && expression[i + 1] == '^') out.push_back(expression[++i]);
      if (i + 1 < expression.size() && expression[i + 1] == ']') out.push_back(expression[++i]);
      continue;
    }
    if (c == '*' && (out.empty() || out.back() != '.')) {
      out += ".*";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

absl::StatusOr<TableNameFilter> TableNameFilter::Compile(std::string_view expression) {
  if (expression.empty()) return TableNameFilter(nullptr);
  RE2::Options options;
  options.set_case_sensitive(false);
  options.set_log_errors(false);
  options.set_max_mem(1 << 20);
  options.set_encoding(RE2::Options::EncodingUTF8);
  std::string pattern = Translate(expression);
  auto re = std::make_shared<const RE2>(pattern, options);
  if (!re->ok()) {
    return InvalidInput(
        StrCat("Expression '", expression, "' is not a valid regular expression: ", re->error()));
  }
  return TableNameFilter(std::move(re));
}

bool TableNameFilter::Matches(std::string_view name) const {
  if (re_ == nullptr) return true;
  return RE2::FullMatch(re2::StringPiece(name.data(), name.size()), *re_);
}

}  // namespace cleanroom::glue
