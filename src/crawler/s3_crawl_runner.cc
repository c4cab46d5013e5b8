#include "crawler/s3_crawl_runner.h"

#include <algorithm>

#include "common/status_macros.h"
#include "common/strings.h"
#include "crawler/layout.h"
#include "crawler/schema_inference.h"
#include "crawler/table_builder.h"
#include "s3access/s3_access.h"

namespace cleanroom::crawler {
namespace {

constexpr char kGluePrincipal[] = "glue.amazonaws.com";
constexpr int kListPageSize = 1000;
// What is read of every object to tell its format.
constexpr size_t kProbeBytes = 64 << 10;

}  // namespace

absl::StatusOr<glue::CrawlOutcome> S3CrawlRunner::Crawl(const glue::CrawlSpec& spec,
                                                        const std::atomic<bool>& stop) {
  ASSIGN_OR_RETURN(
      iam::AssumedRole role,
      authorizer_->AssumeForService(spec.account_id, spec.role_arn, kGluePrincipal, "AWS-Crawler"));
  glue::CrawlOutcome outcome;
  for (const glue::CrawlS3Target& target : spec.s3_targets) {
    ASSIGN_OR_RETURN(S3Path path, ParseS3Path(target.path));
    ASSIGN_OR_RETURN(std::optional<s3::Bucket> bucket, metadata_->GetBucket(path.bucket));
    if (!bucket.has_value()) {
      return absl::NotFoundError(
          StrCat("The specified bucket does not exist: ", path.bucket, " (", target.path, ")"));
    }
    const std::string& owner = bucket->account_id;
    RETURN_IF_ERROR(
        s3access::AuthorizeS3(role, "s3:ListBucket", StrCat("arn:aws:s3:::", path.bucket), owner));

    // A path naming one object crawls that object; otherwise it is a folder.
    std::string include = path.prefix;
    ASSIGN_OR_RETURN(std::optional<s3::ObjectVersion> single,
                     include.empty() || include.back() == '/'
                         ? absl::StatusOr<std::optional<s3::ObjectVersion>>(std::nullopt)
                         : metadata_->GetObject(path.bucket, include, ""));
    if (single.has_value() && single->is_delete_marker) single.reset();
    if (!single.has_value() && !include.empty() && include.back() != '/') include += "/";

    std::vector<ObjectRef> objects;
    std::map<std::string, std::vector<s3::BlobRef>> parts_by_key;
    if (single.has_value()) {
      include = include.substr(0, include.rfind('/') + 1);
      objects.push_back({single->key, single->size});
      parts_by_key[single->key] = single->parts;
    } else {
      std::string after;
      while (true) {
        if (stop.load()) return absl::CancelledError("crawl stopped");
        ASSIGN_OR_RETURN(s3::ListPage page,
                         metadata_->ListObjects(path.bucket, include, "", after, kListPageSize));
        for (const s3::ObjectVersion& v : page.objects) {
          std::string rel = v.key.substr(include.size());
          if (IsIgnoredKey(rel) || v.size == 0) continue;
          bool excluded = false;
          for (const std::string& pattern : target.exclusions) {
            ASSIGN_OR_RETURN(bool match, GlobMatches(pattern, rel));
            if (match) {
              excluded = true;
              break;
            }
          }
          if (excluded) continue;
          objects.push_back({v.key, v.size});
          parts_by_key[v.key] = v.parts;
        }
        if (!page.truncated) break;
        after = page.next_marker;
      }
    }

    Grouping grouping = GroupIntoDatasets(path.bucket, include, objects);
    outcome.messages.insert(outcome.messages.end(), grouping.messages.begin(),
                            grouping.messages.end());
    for (const Dataset& dataset : grouping.datasets) {
      std::vector<FileResult> files;
      for (const auto& [values, partition_objects] : dataset.partitions) {
        size_t limit = target.sample_size > 0 ? static_cast<size_t>(target.sample_size)
                                              : partition_objects.size();
        for (size_t i = 0; i < partition_objects.size() && i < limit; ++i) {
          if (stop.load()) return absl::CancelledError("crawl stopped");
          const ObjectRef& object = partition_objects[i];
          std::string where = StrCat("s3://", path.bucket, "/", object.key);
          RETURN_IF_ERROR(s3access::AuthorizeS3(
              role, "s3:GetObject", StrCat("arn:aws:s3:::", path.bucket, "/", object.key), owner));
          const std::vector<s3::BlobRef>& parts = parts_by_key[object.key];
          // A small probe decides the format; only text formats need the whole head (their
          // estimates and type checks use it), Parquet needs nothing but its footer.
          std::string head(std::min<uint64_t>(object.size, kProbeBytes), '\0');
          std::string last4(std::min<uint64_t>(object.size, 4), '\0');
          absl::Status read = s3access::ReadRange(*blobs_, parts, 0, head.data(), head.size());
          if (read.ok()) {
            read =
                s3access::ReadRange(*blobs_, parts, object.size - last4.size(), last4.data(), last4.size());
          }
          Format format = read.ok() ? DetectFormat(head, last4) : Format::kUnknown;
          if (read.ok() && (format == Format::kCsv || format == Format::kJson)) {
            size_t have = head.size();
            head.resize(std::min<uint64_t>(object.size, kHeadBytes));
            read = s3access::ReadRange(*blobs_, parts, have, head.data() + have, head.size() - have);
          }
          if (!read.ok()) {
            outcome.messages.push_back(
                StrCat("skipped ", where, ": cannot read it: ", std::string(read.message())));
            continue;
          }
          outcome.files_read += 1;
          if (format == Format::kUnknown) {
            outcome.messages.push_back(
                StrCat("skipped ", where, ": not CSV, JSON lines or Parquet"));
            continue;
          }
          std::string name = s3access::EngineObjectName(files.size(), object.key);
          engine::GrantedObject granted = s3access::GrantedObjectOf(blobs_, object.size, parts);
          ASSIGN_OR_RETURN(std::unique_ptr<engine::ObjectGrant> grant,
                           engine_->Grant({{name, std::move(granted)}}));
          absl::StatusOr<FileSchema> schema =
              InferSchema(*engine_, grant->Url(name), format, head, object.size);
          outcome.bytes_read += static_cast<int64_t>(
              std::max<uint64_t>(grant->bytes_read(), head.size() + last4.size()));
          if (!schema.ok()) {
            std::string message(schema.status().message());
            size_t nl = message.find('\n');
            if (nl != std::string::npos) message.resize(nl);
            std::string url = grant->Url(name);
            for (size_t at = message.find(url); at != std::string::npos;
                 at = message.find(url, at + where.size())) {
              message.replace(at, url.size(), where);
            }
            outcome.messages.push_back(StrCat("skipped ", where, ": cannot parse it as ",
                                              FormatName(format), ": ", message));
            continue;
          }
          files.push_back({object, values, std::move(*schema)});
        }
      }
      std::optional<glue::DiscoveredTable> table =
          BuildTable(path.bucket, dataset, files, &outcome.messages);
      if (table.has_value()) outcome.tables.push_back(std::move(*table));
    }
  }
  return outcome;
}

}  // namespace cleanroom::crawler
