// How a crawler sees the objects under an S3 include path: Glue's exclude patterns, the
// objects it ignores, and the grouping of objects into datasets (one per table root, with
// Hive-style key=value folders below the root as partitions).
#ifndef CLEANROOM_CRAWLER_LAYOUT_H_
#define CLEANROOM_CRAWLER_LAYOUT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cleanroom::crawler {

// "s3://bucket/some/prefix/" -> bucket "bucket", prefix "some/prefix/". A path naming no
// folder ("s3://b/k") keeps its prefix as given ("k"). kInvalidArgument if it is not an s3://
// URL with a valid bucket name.
struct S3Path {
  std::string bucket;
  std::string prefix;
};
absl::StatusOr<S3Path> ParseS3Path(std::string_view path);

// Glue's exclude-pattern syntax over a path relative to the include path: `*` matches within
// one path component, `**` across components, `?` one character, `[a-z]` / `[!a-z]` a class,
// `{a,b}` alternatives (not nested), `\` escapes. kInvalidArgument for an unterminated class or
// brace group, or more than 64 alternatives in all.
absl::StatusOr<bool> GlobMatches(std::string_view pattern, std::string_view path);

// True for keys a crawler never reads: folder markers ("x/", "x_$folder$"), and any key with
// a component starting with '_' or '.' (_SUCCESS, _temporary/, .hidden), as Glue does.
bool IsIgnoredKey(std::string_view relative_key);

struct ObjectRef {
  std::string key;  // full key in the bucket
  uint64_t size = 0;
};

struct Dataset {
  std::string root;       // key prefix of the table's folder ("" or ending with '/')
  std::string name_hint;  // lower-case [a-z0-9_] name for the table
  std::vector<std::string> partition_keys;
  // Objects by partition values (empty vector for an unpartitioned dataset).
  std::map<std::vector<std::string>, std::vector<ObjectRef>> partitions;
};

struct Grouping {
  std::vector<Dataset> datasets;
  std::vector<std::string> messages;  // objects left out, and why
};

// Groups the objects under `include_prefix` of `bucket` into datasets. An object's table root
// is its folder up to the first key=value component; the components from there on are its
// partition values (a plain folder among them gets the key "partition_<i>"). Objects whose
// partition keys differ from those of their dataset's first object are left out with a
// message. The name hint is the root folder's name, or the include path's last folder when
// the objects sit directly in it, or the bucket's name.
Grouping GroupIntoDatasets(const std::string& bucket, const std::string& include_prefix,
                           const std::vector<ObjectRef>& objects);

// A table name from a folder name: lower-cased, each character outside [a-z0-9_] replaced
// by '_'; "_" if nothing is left.
std::string SanitizeTableName(std::string_view name);

}  // namespace cleanroom::crawler

#endif  // CLEANROOM_CRAWLER_LAYOUT_H_
