// AWS STS (query protocol): GetCallerIdentity.
#ifndef CLEANROOM_STS_STS_SERVICE_H_
#define CLEANROOM_STS_STS_SERVICE_H_

#include "protocol/query_rpc.h"

namespace cleanroom::sts {

class StsService final : public protocol::QueryRpcService {
 public:
  StsService();
};

}  // namespace cleanroom::sts

#endif  // CLEANROOM_STS_STS_SERVICE_H_
