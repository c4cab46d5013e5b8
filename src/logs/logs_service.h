// Amazon CloudWatch Logs (awsJson1_1, signing name "logs", X-Amz-Target
// "Logs_20140328.<Operation>") on top of LogStore: CreateLogGroup, DeleteLogGroup,
// PutLogGroupDeletionProtection, DescribeLogGroups, CreateLogStream, DeleteLogStream,
// DescribeLogStreams, PutLogEvents, GetLogEvents and FilterLogEvents. Each account sees only
// its own log groups.
//
// Requests are checked against the model's types and constraints. A member of the wrong JSON
// type is SerializationException; every other bad input is InvalidParameterException with
// AWS's wording, all HTTP 400 (see validation.h for the codes).
#ifndef CLEANROOM_LOGS_LOGS_SERVICE_H_
#define CLEANROOM_LOGS_LOGS_SERVICE_H_

#include "logs/log_store.h"
#include "protocol/json_rpc.h"

namespace cleanroom::logs {

// Thread-safe.
class LogsService final : public protocol::JsonRpcService {
 public:
  // `store` is not owned and must outlive the service.
  explicit LogsService(LogStore* store);

 private:
  void RegisterGroupOperations();
  void RegisterStreamOperations();
  void RegisterEventOperations();

  LogStore* store_;
};

}  // namespace cleanroom::logs

#endif  // CLEANROOM_LOGS_LOGS_SERVICE_H_
