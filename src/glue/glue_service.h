// AWS Glue (awsJson1_1, signing name "glue", X-Amz-Target "AWSGlue.<Operation>"): the Data
// Catalog (databases, tables, partitions) and crawlers, each account in its own catalog.
// Requests are checked against the Glue model (shapes.h) before any operation runs; errors use
// Glue's codes in the body's __type (InvalidInputException, EntityNotFoundException, ...).
#ifndef CLEANROOM_GLUE_GLUE_SERVICE_H_
#define CLEANROOM_GLUE_GLUE_SERVICE_H_

#include <memory>

#include "common/clock.h"
#include "glue/catalog.h"
#include "glue/crawl_runner.h"
#include "glue/crawler_controller.h"
#include "protocol/json_rpc.h"

namespace cleanroom::glue {

// Thread-safe. Owns the crawl threads: destroying the service stops and joins running crawls
// (recorded FAILED, interrupted).
class GlueService final : public protocol::JsonRpcService {
 public:
  // `catalog` and `clock` must outlive the service. `runner` may be null (then every crawl
  // ends FAILED, saying no crawler engine is configured); if set it must outlive the service.
  GlueService(Catalog* catalog, CrawlRunner* runner, const Clock* clock);
  ~GlueService() override;

  // Blocks until no crawl is in flight (tests).
  void WaitForCrawlsForTest() { crawls_->WaitIdleForTest(); }

 private:
  void RegisterDatabaseOperations();
  void RegisterTableOperations();
  void RegisterPartitionOperations();
  void RegisterCrawlerOperations();

  Catalog* catalog_;
  const Clock* clock_;
  std::unique_ptr<CrawlerController> crawls_;
};

}  // namespace cleanroom::glue

#endif  // CLEANROOM_GLUE_GLUE_SERVICE_H_
