#include "s3/s3_metadata.h"

#include <initializer_list>
#include <set>
#include <type_traits>
#include <variant>

#include "common/clock.h"
#include "common/random.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "nlohmann/json.hpp"

namespace cleanroom::s3 {
namespace {

using nlohmann::json;
using store::Connection;
using store::Statement;

constexpr char kObjectColumns[] =
    "bucket, key, version_id, seq, is_latest, is_delete_marker, size, etag, last_modified, "
    "content_type, metadata, checksums, sse, parts";

// A value bound to a query parameter.
using SqlParam = std::variant<std::string_view, int64_t>;

// Prepares `sql`, binds `params` to its parameters 1, 2, ... in order, and calls
// `on_row(statement)` on each result row, in order. `on_row` returns void to see every row, or
// bool: false stops after that row. Returns the first error from SQLite.
template <typename OnRow>
absl::Status ForEachRow(Connection& c, std::string_view sql, std::initializer_list<SqlParam> params,
                        OnRow&& on_row) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare(sql));
  int index = 1;
  for (const SqlParam& param : params) {
    std::visit([&](auto value) { s.Bind(index, value); }, param);
    ++index;
  }
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return absl::OkStatus();
    if constexpr (std::is_void_v<std::invoke_result_t<OnRow&, const Statement&>>) {
      on_row(static_cast<const Statement&>(s));
    } else if (!on_row(static_cast<const Statement&>(s))) {
      return absl::OkStatus();
    }
  }
}

// The first row of query `sql` with `params`, converted by `from_row`; nullopt if there is
// none.
template <typename FromRow>
auto FirstRow(Connection& c, std::string_view sql, std::initializer_list<SqlParam> params,
              FromRow&& from_row)
    -> absl::StatusOr<std::optional<std::invoke_result_t<FromRow&, const Statement&>>> {
  std::optional<std::invoke_result_t<FromRow&, const Statement&>> out;
  RETURN_IF_ERROR(ForEachRow(c, sql, params, [&](const Statement& s) {
    out = from_row(s);
    return false;
  }));
  return out;
}

// Whether query `sql` with `params` returns any row.
absl::StatusOr<bool> HasRow(Connection& c, std::string_view sql,
                            std::initializer_list<SqlParam> params) {
  ASSIGN_OR_RETURN(std::optional<bool> row,
                   FirstRow(c, sql, params, [](const Statement&) { return true; }));
  return row.has_value();
}

// Column 0 of every row of query `sql` with `params`, as text.
absl::StatusOr<std::vector<std::string>> FirstColumn(Connection& c, std::string_view sql,
                                                     std::initializer_list<SqlParam> params) {
  std::vector<std::string> out;
  RETURN_IF_ERROR(
      ForEachRow(c, sql, params, [&](const Statement& s) { out.push_back(s.ColumnText(0)); }));
  return out;
}

std::string NewVersionId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
  std::string id;
  for (int i = 0; i < 32; ++i) id.push_back(kAlphabet[SystemRandom().Uniform(64)]);
  return id;
}

std::string MapToJson(const std::map<std::string, std::string>& m) { return json(m).dump(); }

std::map<std::string, std::string> JsonToMap(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (auto& [k, v] : j.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

std::string PartsToJson(const std::vector<BlobRef>& parts) {
  json arr = json::array();
  for (const auto& p : parts) arr.push_back({{"id", p.id}, {"size", p.size}});
  return arr.dump();
}

std::vector<BlobRef> JsonToParts(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  std::vector<BlobRef> out;
  if (!j.is_array()) return out;
  for (auto& p : j) {
    if (p.is_object() && p.contains("id") && p.contains("size")) {
      out.push_back(BlobRef{p["id"].get<std::string>(), p["size"].get<uint64_t>()});
    }
  }
  return out;
}

ObjectVersion VersionFromRow(const Statement& s) {
  ObjectVersion v;
  v.bucket = s.ColumnText(0);
  v.key = s.ColumnText(1);
  v.version_id = s.ColumnText(2);
  v.seq = s.ColumnInt(3);
  v.is_latest = s.ColumnInt(4) != 0;
  v.is_delete_marker = s.ColumnInt(5) != 0;
  v.size = static_cast<uint64_t>(s.ColumnInt(6));
  v.etag = s.ColumnText(7);
  v.last_modified = s.ColumnInt(8);
  v.content_type = s.ColumnOptionalText(9);
  v.metadata = JsonToMap(s.ColumnText(10));
  v.checksums = JsonToMap(s.ColumnText(11));
  v.sse = s.ColumnText(12);
  v.parts = JsonToParts(s.ColumnText(13));
  return v;
}

Bucket BucketFromRow(const Statement& s) {
  return Bucket{s.ColumnText(0), s.ColumnText(1), s.ColumnText(2),
                s.ColumnInt(3),  s.ColumnText(4), s.ColumnText(5)};
}

absl::StatusOr<std::optional<Bucket>> LoadBucket(Connection& c, const std::string& name) {
  return FirstRow(c,
                  "SELECT name, account_id, region, created_at, versioning, sse_algorithm FROM "
                  "buckets WHERE name = ?",
                  {name}, BucketFromRow);
}

absl::StatusOr<std::optional<ObjectVersion>> LoadVersion(Connection& c, const std::string& bucket,
                                                         const std::string& key,
                                                         const std::string& version_id) {
  std::string sql = version_id.empty()
                        ? StrCat("SELECT ", kObjectColumns,
                                 " FROM objects WHERE bucket = ? AND key = ? AND is_latest = 1")
                        : StrCat("SELECT ", kObjectColumns,
                                 " FROM objects WHERE bucket = ? AND key = ? AND version_id = ?");
  if (version_id.empty()) return FirstRow(c, sql, {bucket, key}, VersionFromRow);
  return FirstRow(c, sql, {bucket, key, version_id}, VersionFromRow);
}

absl::Status InsertVersion(Connection& c, const ObjectVersion& v) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare(StrCat("INSERT INTO objects (", kObjectColumns,
                                    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")));
  return s.Bind(1, v.bucket)
      .Bind(2, v.key)
      .Bind(3, v.version_id)
      .Bind(4, v.seq)
      .Bind(5, int64_t{v.is_latest ? 1 : 0})
      .Bind(6, int64_t{v.is_delete_marker ? 1 : 0})
      .Bind(7, static_cast<int64_t>(v.size))
      .Bind(8, v.etag)
      .Bind(9, v.last_modified)
      .Bind(10, v.content_type)
      .Bind(11, MapToJson(v.metadata))
      .Bind(12, MapToJson(v.checksums))
      .Bind(13, v.sse)
      .Bind(14, PartsToJson(v.parts))
      .Run();
}

// Removes one version row; returns its blobs.
absl::StatusOr<std::vector<std::string>> RemoveVersion(Connection& c, const ObjectVersion& v) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM objects WHERE bucket = ? AND key = ? AND "
                                          "version_id = ?"));
  RETURN_IF_ERROR(s.Bind(1, v.bucket).Bind(2, v.key).Bind(3, v.version_id).Run());
  std::vector<std::string> freed;
  for (const auto& p : v.parts) freed.push_back(p.id);
  return freed;
}

// Makes the newest remaining version of `key` the latest one.
absl::Status PromoteNewest(Connection& c, const std::string& bucket, const std::string& key) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare("UPDATE objects SET is_latest = 1 WHERE bucket = ?1 AND "
                                          "key = ?2 AND seq = (SELECT MAX(seq) FROM objects WHERE "
                                          "bucket = ?1 AND key = ?2)"));
  return s.Bind(1, bucket).Bind(2, key).Run();
}

// Adds `v` as the newest version, following the bucket's versioning state.
absl::StatusOr<WriteResult> AddVersion(Connection& c, ObjectVersion v) {
  ASSIGN_OR_RETURN(std::optional<Bucket> bucket, LoadBucket(c, v.bucket));
  if (!bucket) return absl::NotFoundError("NoSuchBucket");
  WriteResult result;
  ASSIGN_OR_RETURN(
      std::optional<int64_t> next_seq,
      FirstRow(c, "SELECT COALESCE(MAX(seq), 0) + 1 FROM objects WHERE bucket = ? AND key = ?",
               {v.bucket, v.key}, [](const Statement& s) { return s.ColumnInt(0); }));
  v.seq = next_seq.value_or(1);
  if (bucket->versioning == "Enabled") {
    v.version_id = NewVersionId();
  } else {
    v.version_id = "null";
    ASSIGN_OR_RETURN(std::optional<ObjectVersion> old, LoadVersion(c, v.bucket, v.key, "null"));
    if (old) {
      ASSIGN_OR_RETURN(result.freed_blobs, RemoveVersion(c, *old));
    }
  }
  {
    ASSIGN_OR_RETURN(Statement s, c.Prepare("UPDATE objects SET is_latest = 0 WHERE bucket = ? AND "
                                            "key = ? AND is_latest = 1"));
    RETURN_IF_ERROR(s.Bind(1, v.bucket).Bind(2, v.key).Run());
  }
  v.is_latest = true;
  RETURN_IF_ERROR(InsertVersion(c, v));
  result.version = std::move(v);
  return result;
}

MultipartUpload UploadFromRow(const Statement& s) {
  MultipartUpload u;
  u.upload_id = s.ColumnText(0);
  u.bucket = s.ColumnText(1);
  u.key = s.ColumnText(2);
  u.initiated = s.ColumnInt(3);
  u.account_id = s.ColumnText(4);
  u.content_type = s.ColumnOptionalText(5);
  u.metadata = JsonToMap(s.ColumnText(6));
  u.sse = s.ColumnText(7);
  u.checksum_algorithm = s.ColumnText(8);
  return u;
}

absl::StatusOr<std::vector<std::string>> RemoveUpload(Connection& c, const std::string& upload_id) {
  ASSIGN_OR_RETURN(
      std::vector<std::string> blobs,
      FirstColumn(c, "SELECT blob_id FROM upload_parts WHERE upload_id = ?", {upload_id}));
  ASSIGN_OR_RETURN(Statement d1, c.Prepare("DELETE FROM upload_parts WHERE upload_id = ?"));
  RETURN_IF_ERROR(d1.Bind(1, upload_id).Run());
  ASSIGN_OR_RETURN(Statement d2, c.Prepare("DELETE FROM multipart_uploads WHERE upload_id = ?"));
  RETURN_IF_ERROR(d2.Bind(1, upload_id).Run());
  return blobs;
}

// OK if multipart upload `upload_id` exists, kNotFound ("NoSuchUpload") otherwise.
absl::Status RequireUpload(Connection& c, const std::string& upload_id) {
  ASSIGN_OR_RETURN(bool exists,
                   HasRow(c, "SELECT 1 FROM multipart_uploads WHERE upload_id = ?", {upload_id}));
  return exists ? absl::OkStatus() : absl::NotFoundError("NoSuchUpload");
}

// The smallest string greater than every string that starts with `prefix` (for range scans).
// Keys are UTF-8, which never contains byte 0xff.
std::string AfterPrefix(const std::string& prefix) { return prefix + "\xff"; }

}  // namespace

absl::StatusOr<std::optional<Bucket>> S3Metadata::GetBucket(const std::string& name) {
  std::optional<Bucket> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, LoadBucket(c, name));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status S3Metadata::CreateBucket(const Bucket& b) {
  return db_->Write([&](Connection& c) {
    ASSIGN_OR_RETURN(Statement s, c.Prepare("INSERT INTO buckets (name, account_id, region, "
                                            "created_at, versioning, sse_algorithm) VALUES (?, ?, "
                                            "?, ?, ?, ?)"));
    return s.Bind(1, b.name)
        .Bind(2, b.account_id)
        .Bind(3, b.region)
        .Bind(4, b.created_at)
        .Bind(5, b.versioning)
        .Bind(6, b.sse_algorithm)
        .Run();
  });
}

absl::StatusOr<std::vector<Bucket>> S3Metadata::ListBuckets(const std::string& account_id) {
  std::vector<Bucket> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) {
    return ForEachRow(c,
                      "SELECT name, account_id, region, created_at, versioning, sse_algorithm "
                      "FROM buckets WHERE account_id = ? ORDER BY name",
                      {account_id}, [&](const Statement& s) { out.push_back(BucketFromRow(s)); });
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> S3Metadata::DeleteBucket(const std::string& name) {
  std::vector<std::string> freed;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(bool not_empty,
                     HasRow(c, "SELECT 1 FROM objects WHERE bucket = ? LIMIT 1", {name}));
    if (not_empty) return absl::FailedPreconditionError("BucketNotEmpty");
    ASSIGN_OR_RETURN(
        std::vector<std::string> uploads,
        FirstColumn(c, "SELECT upload_id FROM multipart_uploads WHERE bucket = ?", {name}));
    for (const auto& id : uploads) {
      ASSIGN_OR_RETURN(auto blobs, RemoveUpload(c, id));
      freed.insert(freed.end(), blobs.begin(), blobs.end());
    }
    ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM buckets WHERE name = ?"));
    RETURN_IF_ERROR(s.Bind(1, name).Run());
    if (c.Changes() == 0) return absl::NotFoundError("NoSuchBucket");
    return absl::OkStatus();
  }));
  return freed;
}

absl::Status S3Metadata::SetVersioning(const std::string& bucket, const std::string& status) {
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Statement s, c.Prepare("UPDATE buckets SET versioning = ? WHERE name = ?"));
    RETURN_IF_ERROR(s.Bind(1, status).Bind(2, bucket).Run());
    return c.Changes() == 0 ? absl::NotFoundError("NoSuchBucket") : absl::OkStatus();
  });
}

absl::Status S3Metadata::SetEncryption(const std::string& bucket, const std::string& algorithm) {
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Statement s, c.Prepare("UPDATE buckets SET sse_algorithm = ? WHERE name = ?"));
    RETURN_IF_ERROR(s.Bind(1, algorithm).Bind(2, bucket).Run());
    return c.Changes() == 0 ? absl::NotFoundError("NoSuchBucket") : absl::OkStatus();
  });
}

absl::StatusOr<std::optional<ObjectVersion>> S3Metadata::GetObject(const std::string& bucket,
                                                                   const std::string& key,
                                                                   const std::string& version_id) {
  std::optional<ObjectVersion> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, LoadVersion(c, bucket, key, version_id));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<WriteResult> S3Metadata::PutObject(ObjectVersion v) {
  WriteResult result;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(result, AddVersion(c, std::move(v)));
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<DeleteResult> S3Metadata::DeleteObject(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& version_id) {
  DeleteResult result;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Bucket> b, LoadBucket(c, bucket));
    if (!b) return absl::NotFoundError("NoSuchBucket");
    if (!version_id.empty()) {
      ASSIGN_OR_RETURN(std::optional<ObjectVersion> v, LoadVersion(c, bucket, key, version_id));
      result.version_id = version_id;
      if (!v) return absl::OkStatus();  // deleting a missing version succeeds
      result.delete_marker = v->is_delete_marker;
      ASSIGN_OR_RETURN(result.freed_blobs, RemoveVersion(c, *v));
      if (v->is_latest) RETURN_IF_ERROR(PromoteNewest(c, bucket, key));
      return absl::OkStatus();
    }
    if (b->versioning.empty()) {
      ASSIGN_OR_RETURN(std::optional<ObjectVersion> v, LoadVersion(c, bucket, key, "null"));
      if (v) {
        ASSIGN_OR_RETURN(result.freed_blobs, RemoveVersion(c, *v));
        RETURN_IF_ERROR(PromoteNewest(c, bucket, key));
      }
      return absl::OkStatus();
    }
    ObjectVersion marker;
    marker.bucket = bucket;
    marker.key = key;
    marker.is_delete_marker = true;
    marker.last_modified = SystemClock().NowMicros();
    ASSIGN_OR_RETURN(WriteResult w, AddVersion(c, marker));
    result.version_id = w.version.version_id;
    result.delete_marker = true;
    result.freed_blobs = std::move(w.freed_blobs);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<ListPage> S3Metadata::ListObjects(const std::string& bucket,
                                                 const std::string& prefix,
                                                 const std::string& delimiter,
                                                 const std::string& after, int max_keys) {
  ListPage page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    std::string cursor = after < prefix ? prefix : after;
    bool inclusive = after < prefix;  // the prefix itself may be a key
    // A marker that is a common prefix (the last entry of the previous page) resumes after
    // every key under it.
    if (!delimiter.empty() && !inclusive && StartsWith(after, prefix) &&
        EndsWith(after, delimiter) &&
        after.find(delimiter, prefix.size()) == after.size() - delimiter.size()) {
      cursor = AfterPrefix(after);
    }
    const std::string end = AfterPrefix(prefix);
    std::set<std::string> seen_prefixes;
    int count = 0;
    for (;;) {
      ASSIGN_OR_RETURN(Statement s,
                       c.Prepare(StrCat("SELECT ", kObjectColumns,
                                        " FROM objects WHERE bucket = ?1 AND is_latest = 1 AND "
                                        "is_delete_marker = 0 AND ((?4 = 1 AND key >= ?2) OR key > "
                                        "?2) AND key < ?3 ORDER BY key LIMIT 256")));
      s.Bind(1, bucket).Bind(2, cursor).Bind(3, end).Bind(4, int64_t{inclusive ? 1 : 0});
      bool any = false;
      bool jumped = false;
      for (;;) {
        ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row) break;
        any = true;
        ObjectVersion v = VersionFromRow(s);
        cursor = v.key;
        inclusive = false;
        if (!delimiter.empty()) {
          size_t pos = v.key.find(delimiter, prefix.size());
          if (pos != std::string::npos) {
            std::string cp = v.key.substr(0, pos + delimiter.size());
            if (count == max_keys) {
              page.truncated = true;
              return absl::OkStatus();
            }
            if (seen_prefixes.insert(cp).second) {
              page.common_prefixes.push_back(cp);
              ++count;
              page.next_marker = cp;
            }
            cursor = AfterPrefix(cp);  // skip the rest of this prefix
            jumped = true;
            break;
          }
        }
        if (count == max_keys) {
          page.truncated = true;
          return absl::OkStatus();
        }
        page.next_marker = v.key;
        page.objects.push_back(std::move(v));
        ++count;
      }
      if (!any) return absl::OkStatus();
      (void)jumped;
    }
  }));
  return page;
}

absl::StatusOr<VersionPage> S3Metadata::ListVersions(
    const std::string& bucket, const std::string& prefix, const std::string& delimiter,
    const std::string& key_marker, const std::string& version_id_marker, int max_keys) {
  VersionPage page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    int64_t seq_marker = INT64_MAX;
    if (!key_marker.empty() && !version_id_marker.empty()) {
      ASSIGN_OR_RETURN(std::optional<ObjectVersion> v,
                       LoadVersion(c, bucket, key_marker, version_id_marker));
      if (v) seq_marker = v->seq;
    } else if (!key_marker.empty()) {
      seq_marker = INT64_MIN;  // skip every version of key_marker
    }
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare(StrCat("SELECT ", kObjectColumns,
                                      " FROM objects WHERE bucket = ?1 AND key >= ?2 AND key < ?3 "
                                      "AND (key > ?4 OR (key = ?4 AND seq < ?5)) "
                                      "ORDER BY key, seq DESC")));
    s.Bind(1, bucket)
        .Bind(2, prefix)
        .Bind(3, AfterPrefix(prefix))
        .Bind(4, key_marker)
        .Bind(5, seq_marker);
    int count = 0;
    std::string skip_prefix;
    // A key marker that is a common prefix (the last entry of the previous page) resumes after
    // every key under it, as in ListObjects.
    if (!delimiter.empty() && version_id_marker.empty() && StartsWith(key_marker, prefix) &&
        EndsWith(key_marker, delimiter) &&
        key_marker.find(delimiter, prefix.size()) == key_marker.size() - delimiter.size()) {
      skip_prefix = key_marker;
    }
    for (;;) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) return absl::OkStatus();
      ObjectVersion v = VersionFromRow(s);
      if (!skip_prefix.empty() && StartsWith(v.key, skip_prefix)) continue;
      if (!delimiter.empty()) {
        size_t pos = v.key.find(delimiter, prefix.size());
        if (pos != std::string::npos) {
          std::string cp = v.key.substr(0, pos + delimiter.size());
          if (count == max_keys) {
            page.truncated = true;
            return absl::OkStatus();
          }
          page.common_prefixes.push_back(cp);
          page.next_key_marker = cp;
          page.next_version_id_marker.clear();
          skip_prefix = cp;
          ++count;
          continue;
        }
      }
      if (count == max_keys) {
        page.truncated = true;
        return absl::OkStatus();
      }
      page.next_key_marker = v.key;
      page.next_version_id_marker = v.version_id;
      page.versions.push_back(std::move(v));
      ++count;
    }
  }));
  return page;
}

absl::Status S3Metadata::CreateUpload(const MultipartUpload& u) {
  return db_->Write([&](Connection& c) {
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("INSERT INTO multipart_uploads (upload_id, bucket, key, initiated, "
                               "account_id, content_type, metadata, sse, checksum_algorithm) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    return s.Bind(1, u.upload_id)
        .Bind(2, u.bucket)
        .Bind(3, u.key)
        .Bind(4, u.initiated)
        .Bind(5, u.account_id)
        .Bind(6, u.content_type)
        .Bind(7, MapToJson(u.metadata))
        .Bind(8, u.sse)
        .Bind(9, u.checksum_algorithm)
        .Run();
  });
}

absl::StatusOr<std::optional<MultipartUpload>> S3Metadata::GetUpload(const std::string& upload_id) {
  std::optional<MultipartUpload> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, FirstRow(c,
                                   "SELECT upload_id, bucket, key, initiated, account_id, "
                                   "content_type, metadata, sse, checksum_algorithm FROM "
                                   "multipart_uploads WHERE upload_id = ?",
                                   {upload_id}, UploadFromRow));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> S3Metadata::PutPart(const std::string& upload_id,
                                                             const UploadPart& p) {
  std::vector<std::string> freed;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    RETURN_IF_ERROR(RequireUpload(c, upload_id));
    ASSIGN_OR_RETURN(freed, FirstColumn(c,
                                        "SELECT blob_id FROM upload_parts WHERE upload_id = ? AND "
                                        "part_number = ?",
                                        {upload_id, int64_t{p.part_number}}));
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("INSERT OR REPLACE INTO upload_parts (upload_id, part_number, "
                               "blob_id, size, etag, checksum, last_modified) VALUES (?, ?, ?, ?, "
                               "?, ?, ?)"));
    return s.Bind(1, upload_id)
        .Bind(2, int64_t{p.part_number})
        .Bind(3, p.blob_id)
        .Bind(4, static_cast<int64_t>(p.size))
        .Bind(5, p.etag)
        .Bind(6, p.checksum)
        .Bind(7, p.last_modified)
        .Run();
  }));
  return freed;
}

absl::StatusOr<std::vector<UploadPart>> S3Metadata::ListParts(const std::string& upload_id) {
  std::vector<UploadPart> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) {
    return ForEachRow(
        c,
        "SELECT part_number, blob_id, size, etag, checksum, last_modified FROM "
        "upload_parts WHERE upload_id = ? ORDER BY part_number",
        {upload_id}, [&](const Statement& s) {
          out.push_back(UploadPart{static_cast<int>(s.ColumnInt(0)), s.ColumnText(1),
                                   static_cast<uint64_t>(s.ColumnInt(2)), s.ColumnText(3),
                                   s.ColumnOptionalText(4), s.ColumnInt(5)});
        });
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> S3Metadata::AbortUpload(const std::string& upload_id) {
  std::vector<std::string> freed;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    RETURN_IF_ERROR(RequireUpload(c, upload_id));
    ASSIGN_OR_RETURN(freed, RemoveUpload(c, upload_id));
    return absl::OkStatus();
  }));
  return freed;
}

absl::StatusOr<WriteResult> S3Metadata::CompleteUpload(const std::string& upload_id,
                                                       ObjectVersion v) {
  WriteResult result;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    RETURN_IF_ERROR(RequireUpload(c, upload_id));
    ASSIGN_OR_RETURN(std::vector<std::string> part_blobs, RemoveUpload(c, upload_id));
    std::set<std::string> used;
    for (const auto& p : v.parts) used.insert(p.id);
    ASSIGN_OR_RETURN(result, AddVersion(c, std::move(v)));
    for (const auto& id : part_blobs) {
      if (!used.count(id)) result.freed_blobs.push_back(id);
    }
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::vector<std::string>> S3Metadata::AllBlobIds() {
  std::vector<std::string> ids;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    RETURN_IF_ERROR(ForEachRow(c, "SELECT parts FROM objects WHERE is_delete_marker = 0", {},
                               [&](const Statement& s) {
                                 for (const auto& p : JsonToParts(s.ColumnText(0)))
                                   ids.push_back(p.id);
                               }));
    ASSIGN_OR_RETURN(std::vector<std::string> part_blobs,
                     FirstColumn(c, "SELECT blob_id FROM upload_parts", {}));
    ids.insert(ids.end(), part_blobs.begin(), part_blobs.end());
    return absl::OkStatus();
  }));
  return ids;
}

}  // namespace cleanroom::s3
