// The crawler engine behind Glue's StartCrawler: assumes the crawler's role for
// glue.amazonaws.com, lists each S3 target through it (s3:ListBucket), reads each object it
// samples through it (s3:GetObject) — only the head of a text object and the footer of a
// Parquet one — and infers the tables with the SQL engine's sniffers.
#ifndef CLEANROOM_CRAWLER_S3_CRAWL_RUNNER_H_
#define CLEANROOM_CRAWLER_S3_CRAWL_RUNNER_H_

#include "engine/engine.h"
#include "glue/crawl_runner.h"
#include "iam/role_authorizer.h"
#include "s3/blob_store.h"
#include "s3/s3_metadata.h"

namespace cleanroom::crawler {

class S3CrawlRunner final : public glue::CrawlRunner {
 public:
  // None of the pointers is owned; all must outlive the runner.
  S3CrawlRunner(s3::S3Metadata* metadata, s3::BlobStore* blobs, engine::Engine* engine,
                const iam::RoleAuthorizer* authorizer)
      : metadata_(metadata), blobs_(blobs), engine_(engine), authorizer_(authorizer) {}

  // See glue::CrawlRunner. Errors: kPermissionDenied when the role cannot be assumed by
  // glue.amazonaws.com or may not list a target bucket or read an object it samples (a
  // bucket of another account is always denied); kNotFound for a target bucket that does not
  // exist; kInvalidArgument for a malformed target path or exclude pattern; kCancelled when
  // `stop` is set. Objects that cannot be read or parsed are skipped and reported.
  absl::StatusOr<glue::CrawlOutcome> Crawl(const glue::CrawlSpec& spec,
                                           const std::atomic<bool>& stop) override;

 private:
  s3::S3Metadata* metadata_;
  s3::BlobStore* blobs_;
  engine::Engine* engine_;
  const iam::RoleAuthorizer* authorizer_;
};

}  // namespace cleanroom::crawler

#endif  // CLEANROOM_CRAWLER_S3_CRAWL_RUNNER_H_
