#include "sts/sts_service.h"

#include "common/strings.h"
#include "protocol/errors.h"

namespace cleanroom::sts {

StsService::StsService()
    : QueryRpcService("sts", "https://sts.amazonaws.com/doc/2011-06-15/") {
  Register("GetCallerIdentity",
           [](protocol::CallContext& ctx, const protocol::QueryParams&) -> absl::StatusOr<std::string> {
             const protocol::Caller& c = ctx.caller;
             return StrCat("<Arn>", protocol::XmlEscape(c.arn), "</Arn><UserId>", c.account_id,
                           "</UserId><Account>", c.account_id, "</Account>");
           });
}

}  // namespace cleanroom::sts
