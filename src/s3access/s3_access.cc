#include "s3access/s3_access.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "http/message.h"

namespace cleanroom::s3access {
namespace {

class S3ObjectReader final : public engine::ObjectReader {
 public:
  S3ObjectReader(s3::BlobStore* blobs, std::vector<s3::BlobRef> parts)
      : blobs_(blobs), parts_(std::move(parts)) {}
  absl::Status ReadAt(uint64_t offset, char* buf, size_t n) override {
    return ReadRange(*blobs_, parts_, offset, buf, n);
  }

 private:
  s3::BlobStore* blobs_;
  std::vector<s3::BlobRef> parts_;
};

}  // namespace

absl::Status ReadRange(s3::BlobStore& blobs, const std::vector<s3::BlobRef>& parts,
                       uint64_t offset, char* buf, size_t n) {
  if (n == 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::unique_ptr<http::BodyReader> reader,
                   blobs.OpenConcatReader(parts, offset, n));
  size_t done = 0;
  while (done < n) {
    ASSIGN_OR_RETURN(size_t got, reader->Read(buf + done, n - done));
    if (got == 0) return absl::DataLossError("object is shorter than recorded");
    done += got;
  }
  return absl::OkStatus();
}

engine::GrantedObject GrantedObjectOf(s3::BlobStore* blobs, uint64_t size,
                                      std::vector<s3::BlobRef> parts) {
  engine::GrantedObject granted;
  granted.size = size;
  granted.open = [blobs, parts]() -> absl::StatusOr<std::unique_ptr<engine::ObjectReader>> {
    return std::make_unique<S3ObjectReader>(blobs, parts);
  };
  return granted;
}

std::string EngineObjectName(size_t index, const std::string& key) {
  std::string name = StrCat("o", index);
  size_t slash = key.rfind('/');
  std::string base = key.substr(slash == std::string::npos ? 0 : slash + 1);
  size_t dot = base.rfind('.');
  if (dot != std::string::npos) {
    std::string ext = ToLower(base.substr(dot + 1));
    bool ok = !ext.empty() && ext.size() <= 10 && std::all_of(ext.begin(), ext.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    });
    if (ok) name += "." + ext;
  }
  return name;
}

absl::Status AuthorizeS3(const iam::AssumedRole& role, const std::string& action,
                         const std::string& resource, const std::string& owner) {
  absl::Status status = role.Authorize(action, resource, owner);
  if (status.code() != absl::StatusCode::kPermissionDenied) return status;
  return absl::PermissionDeniedError(StrCat("AccessDenied: ", std::string(status.message()),
                                            " (Service: Amazon S3; Status Code: 403; Error Code: "
                                            "AccessDenied)"));
}

absl::StatusOr<s3::ObjectVersion> PutFile(s3::S3Metadata& metadata, s3::BlobStore& blobs,
                                          const s3::Bucket& bucket, const std::string& key,
                                          const std::string& path,
                                          const std::optional<std::string>& content_type) {
  bool encrypt = bucket.sse_algorithm == "AES256";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::InternalError(StrCat("cannot open ", path));
  ASSIGN_OR_RETURN(std::unique_ptr<s3::BlobWriter> writer, blobs.NewWriter(encrypt));
  std::string buf(1 << 20, '\0');
  while (true) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      writer->Abort();
      return absl::InternalError(StrCat("cannot read ", path));
    }
    if (n == 0) break;
    absl::Status appended = writer->Append(std::string_view(buf.data(), static_cast<size_t>(n)));
    if (!appended.ok()) {
      ::close(fd);
      writer->Abort();
      return appended;
    }
  }
  ::close(fd);
  ASSIGN_OR_RETURN(s3::BlobInfo info, writer->Commit());
  s3::ObjectVersion v;
  v.bucket = bucket.name;
  v.key = key;
  v.size = info.size;
  v.etag = HexEncode(info.md5);
  v.last_modified = SystemClock().NowMicros();
  v.content_type = content_type;
  v.sse = encrypt ? "AES256" : "";
  v.parts = {s3::BlobRef{info.id, info.size}};
  absl::StatusOr<s3::WriteResult> written = metadata.PutObject(std::move(v));
  if (!written.ok()) {
    (void)blobs.Delete(info.id);
    return written.status();
  }
  for (const std::string& id : written->freed_blobs) {
    absl::Status st = blobs.Delete(id);
    if (!st.ok()) {
      Log(LogLevel::kWarning, "could not delete an unreferenced blob", {{"blob", id}, {"error", st.ToString()}});
    }
  }
  return written->version;
}

}  // namespace cleanroom::s3access
