"""S3 objects and buckets through boto3 and the AWS CLI: multipart, ranges over SSE chunks,
encryption at rest, odd keys, listing, copy, batch delete, metadata, versioning, cross-account
isolation, payload variants, and persistence across a restart."""

import base64
import hashlib
import os
import secrets
import socket
import time
import unittest
import zlib

from botocore.exceptions import ClientError

import harness
from harness import ServerTestCase, client_error_code, client_error_status

MiB = 1 << 20
CHUNK = 64 * 1024  # SSE encryption chunk size of the server


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def md5_etag(data):
    return f'"{hashlib.md5(data).hexdigest()}"'


def canary(tag, size=1024):
    """A distinctive, incompressible-looking 1 KiB block, unique to this run."""
    head = f"CLEANROOM-CANARY-{tag}-{secrets.token_hex(8)}|".encode()
    body = bytearray(head)
    while len(body) < size:
        body += secrets.token_hex(32).encode()
    return bytes(body[:size])


class S3Base(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = cls.server.create_account(harness.unique_name("owner"))
        cls.other = cls.server.create_account(harness.unique_name("other"))
        cls.s3 = cls.server.client("s3", cls.owner)
        cls.s3_other = cls.server.client("s3", cls.other)
        cls.plain = cls.make_bucket("plain")
        cls.sse = cls.make_bucket("sse", sse=True)

    @classmethod
    def make_bucket(cls, prefix, sse=False, versioned=False, client=None):
        client = client or cls.s3
        name = harness.unique_name(prefix)
        client.create_bucket(Bucket=name)
        if sse:
            client.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={"Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        if versioned:
            client.put_bucket_versioning(Bucket=name,
                                         VersioningConfiguration={"Status": "Enabled"})
        return name

    def body(self, bucket, key, **kw):
        return self.s3.get_object(Bucket=bucket, Key=key, **kw)["Body"].read()

    def all_keys(self, bucket, client=None, **kw):
        client = client or self.s3
        keys = []
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, **kw):
            keys += [c["Key"] for c in page.get("Contents", [])]
        return keys


class MultipartCliTest(S3Base):

    def test_50mib_cli_multipart_roundtrip(self):
        src = os.path.join(self.tmp, "big.bin")
        with open(src, "wb") as f:
            for _ in range(50):
                f.write(os.urandom(MiB))
        key = "big/object with space.bin"
        for bucket in (self.sse, self.plain):
            with self.subTest(bucket=bucket):
                t0 = time.monotonic()
                self.server.aws(self.owner, "s3", "cp", src, f"s3://{bucket}/{key}", timeout=600)
                upload_s = time.monotonic() - t0
                head = self.s3.head_object(Bucket=bucket, Key=key)
                self.assertEqual(head["ContentLength"], 50 * MiB)
                # aws s3 cp uses 8 MiB parts: 7 parts for 50 MiB.
                self.assertTrue(head["ETag"].endswith('-7"'), head["ETag"])
                self.assertEqual(head["ETag"], harness.multipart_etag(src, 8 * MiB))
                if bucket == self.sse:
                    self.assertEqual(head.get("ServerSideEncryption"), "AES256")
                listed = self.s3.list_objects_v2(Bucket=bucket, Prefix="big/")["Contents"]
                self.assertEqual([(c["Key"], c["Size"], c["ETag"]) for c in listed],
                                 [(key, 50 * MiB, head["ETag"])])
                dst = os.path.join(self.tmp, "big.out")
                self.server.aws(self.owner, "s3", "cp", f"s3://{bucket}/{key}", dst, timeout=600)
                self.assertEqual(harness.sha256_file(dst), harness.sha256_file(src))
                os.unlink(dst)
                # Loose sanity bound: 50 MiB over loopback should never take minutes.
                self.assertLess(upload_s, 120, f"50 MiB upload took {upload_s:.1f}s")
        os.unlink(src)


class RangeTest(S3Base):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = os.urandom(3 * CHUNK + 12345)
        for bucket in (cls.sse, cls.plain):
            cls.s3.put_object(Bucket=bucket, Key="ranged.bin", Body=cls.data)

    def ranges(self):
        n = len(self.data)
        return [
            ("bytes=0-0", 0, 0),
            ("bytes=0-65535", 0, CHUNK - 1),
            ("bytes=65535-65536", CHUNK - 1, CHUNK),
            ("bytes=65530-65545", 65530, 65545),
            ("bytes=65536-131071", CHUNK, 2 * CHUNK - 1),
            ("bytes=100000-200000", 100000, 200000),
            ("bytes=131000-196700", 131000, 196700),
            (f"bytes={n - 1}-{n - 1}", n - 1, n - 1),
            (f"bytes=0-{n - 1}", 0, n - 1),
            ("bytes=200000-999999999", 200000, n - 1),
            ("bytes=-1", n - 1, n - 1),
            ("bytes=-70000", n - 70000, n - 1),
            (f"bytes=-{n + 1000}", 0, n - 1),
            ("bytes=131072-", 2 * CHUNK, n - 1),
            ("bytes=65536-", CHUNK, n - 1),
            (f"bytes={3 * CHUNK}-", 3 * CHUNK, n - 1),
        ]

    def test_ranges_match_local_slices(self):
        n = len(self.data)
        for bucket in (self.sse, self.plain):
            for header, start, end in self.ranges():
                with self.subTest(bucket=bucket, range=header):
                    resp = self.s3.get_object(Bucket=bucket, Key="ranged.bin", Range=header)
                    body = resp["Body"].read()
                    self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 206)
                    self.assertEqual(resp.get("ContentRange"), f"bytes {start}-{end}/{n}")
                    self.assertEqual(resp["ContentLength"], end - start + 1)
                    self.assertEqual(len(body), end - start + 1)
                    self.assertTrue(body == self.data[start:end + 1],
                                    f"{header}: body differs from local slice [{start}:{end + 1}]")
                    if bucket == self.sse:
                        self.assertEqual(resp.get("ServerSideEncryption"), "AES256")

    def test_full_get(self):
        for bucket in (self.sse, self.plain):
            resp = self.s3.get_object(Bucket=bucket, Key="ranged.bin")
            self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 200)
            self.assertTrue(resp["Body"].read() == self.data)
            self.assertEqual(resp["ETag"], md5_etag(self.data))

    def test_unsatisfiable_range(self):
        n = len(self.data)
        for bucket in (self.sse, self.plain):
            for header in (f"bytes={n}-", f"bytes={n + 10}-{n + 20}", f"bytes={n}-{n}"):
                with self.subTest(bucket=bucket, range=header):
                    self.assertClientError(self.s3.get_object, "InvalidRange", 416,
                                           Bucket=bucket, Key="ranged.bin", Range=header)

    def test_cli_range(self):
        out = os.path.join(self.tmp, "range.out")
        self.server.aws(self.owner, "s3api", "get-object", "--bucket", self.sse, "--key",
                        "ranged.bin", "--range", "bytes=65000-140000", out)
        with open(out, "rb") as f:
            self.assertTrue(f.read() == self.data[65000:140001])


class EncryptionAtRestTest(S3Base):

    def assert_on_disk(self, needle, expected, what):
        hits = harness.files_containing(self.server.data_dir, needle)
        if expected:
            self.assertTrue(hits, f"control failed: {what} not found on disk in plaintext, so the "
                            "scan cannot prove anything")
        else:
            self.assertFalse(hits, f"{what}: plaintext found on disk in {hits}")

    def test_sse_object_not_stored_in_plaintext(self):
        sse_pattern = canary("sse")
        plain_pattern = canary("plain")
        sse_data = sse_pattern * 512   # 512 KiB: 8 encryption chunks
        plain_data = plain_pattern * 512
        put = self.s3.put_object(Bucket=self.sse, Key="canary/sse.bin", Body=sse_data)
        self.assertEqual(put.get("ServerSideEncryption"), "AES256")
        put = self.s3.put_object(Bucket=self.plain, Key="canary/plain.bin", Body=plain_data)
        self.assertNotIn("ServerSideEncryption", put)
        self.assertTrue(self.body(self.sse, "canary/sse.bin") == sse_data)
        self.assertTrue(self.body(self.plain, "canary/plain.bin") == plain_data)
        head = self.s3.head_object(Bucket=self.sse, Key="canary/sse.bin")
        self.assertEqual(head.get("ServerSideEncryption"), "AES256")
        self.assertEqual(head["ContentLength"], len(sse_data))
        self.assert_on_disk(sse_pattern, False, "SSE object")
        self.assert_on_disk(plain_pattern, True, "unencrypted object")

    def test_sse_multipart_not_stored_in_plaintext(self):
        pattern = canary("mpu")
        part1 = pattern * (5 * 1024)   # 5 MiB
        part2 = pattern * 300
        up = self.s3.create_multipart_upload(Bucket=self.sse, Key="canary/mpu.bin")
        self.assertEqual(up.get("ServerSideEncryption"), "AES256")
        uid = up["UploadId"]
        e1 = self.s3.upload_part(Bucket=self.sse, Key="canary/mpu.bin", UploadId=uid,
                                 PartNumber=1, Body=part1)["ETag"]
        self.assert_on_disk(pattern, False, "pending part of an SSE multipart upload")
        e2 = self.s3.upload_part(Bucket=self.sse, Key="canary/mpu.bin", UploadId=uid,
                                 PartNumber=2, Body=part2)["ETag"]
        self.s3.complete_multipart_upload(
            Bucket=self.sse, Key="canary/mpu.bin", UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1},
                                       {"PartNumber": 2, "ETag": e2}]})
        self.assertTrue(self.body(self.sse, "canary/mpu.bin") == part1 + part2)
        self.assert_on_disk(pattern, False, "completed SSE multipart object")

    def test_copy_within_sse_bucket_stays_encrypted(self):
        pattern = canary("copy")
        # Source in the SSE bucket, copy within it: both copies must stay encrypted.
        self.s3.put_object(Bucket=self.sse, Key="canary/copy-src", Body=pattern * 64)
        out = self.s3.copy_object(Bucket=self.sse, Key="canary/copy-dst",
                                  CopySource={"Bucket": self.sse, "Key": "canary/copy-src"})
        self.assertEqual(out.get("ServerSideEncryption"), "AES256")
        self.assertTrue(self.body(self.sse, "canary/copy-dst") == pattern * 64)
        self.assert_on_disk(pattern, False, "copied SSE object")


class KeyNamesTest(S3Base):

    def test_unusual_keys_round_trip_and_stay_inside_data_dir(self):
        token = secrets.token_hex(6)
        escape_abs = f"/tmp/cleanroom-escape-{token}"
        keys = [
            "dir with spaces/file name.txt",
            "plus+sign+key.txt",
            "unicodé/日本語/ファイル.csv",
            "emoji 😀.bin",
            "../escape.txt",
            "../../escape2.txt",
            "../../../escape3.txt",
            "../" * 12 + escape_abs.lstrip("/"),
            "a/../../etc/passwd",
            "./dot/./x",
            "x/..",
            "trailing/",
            "double//slash",
            "/leading-slash",
            "percent%20literal%2F",
            "q?x&y=1#h",
            "back\\slash",
            "tilde~key",
            "semi;colon=eq,comma",
            "quote'\"<>&.xml",
            "tab\tkey",
        ]
        bucket = self.make_bucket("keys")
        for key in keys:
            with self.subTest(put=key):
                self.s3.put_object(Bucket=bucket, Key=key, Body=key.encode() + b"\n")
        listed = self.all_keys(bucket)
        self.assertEqual(listed, sorted(keys, key=lambda k: k.encode()),
                         "ListObjectsV2 must return every key exactly, in UTF-8 byte order")
        for key in keys:
            with self.subTest(get=key):
                self.assertEqual(self.body(bucket, key), key.encode() + b"\n")
                self.assertEqual(self.s3.head_object(Bucket=bucket, Key=key)["ContentLength"],
                                 len(key.encode()) + 1)
        # The CLI (list with encoding-type=url, then download) agrees.
        ls = self.server.aws(self.owner, "s3", "ls", f"s3://{bucket}", "--recursive").stdout
        for key in ("dir with spaces/file name.txt", "plus+sign+key.txt",
                    "unicodé/日本語/ファイル.csv"):
            self.assertIn(key, ls)
            out = self.server.aws(self.owner, "s3", "cp", f"s3://{bucket}/{key}", "-").stdout
            self.assertEqual(out, key + "\n")

        # Nothing escaped: the temp root holds only data/, no escape file exists anywhere, and
        # no file in the data dir is named after a key.
        self.assertEqual(sorted(os.listdir(self.server.root)), ["data"])
        self.assertFalse(os.path.exists(escape_abs), f"{escape_abs} was created")
        parent = os.path.dirname(self.server.root)
        for name in ("escape.txt", "escape2.txt", "escape3.txt"):
            self.assertFalse(os.path.exists(os.path.join(parent, name)))
        basenames = {os.path.basename(p) for p in harness.walk_files(self.server.data_dir)}
        for bad in ("escape.txt", "escape2.txt", "escape3.txt", "passwd", "file name.txt",
                    "plus+sign+key.txt", "ファイル.csv", f"cleanroom-escape-{token}"):
            self.assertNotIn(bad, basenames, "objects must be stored under random ids, not keys")

        self.s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
        self.assertEqual(self.all_keys(bucket), [])


class ListObjectsTest(S3Base):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = cls.make_bucket("list")
        cls.keys = ["photos/2024/a.jpg", "photos/2024/b.jpg", "photos/2025/c.jpg",
                    "photos/top.jpg", "docs/x.txt", "root.txt"]
        cls.keys += [f"many/k{i:03d}" for i in range(25)]
        for k in cls.keys:
            cls.s3.put_object(Bucket=cls.bucket, Key=k, Body=k.encode())

    def test_prefix_and_delimiter(self):
        out = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="photos/", Delimiter="/")
        self.assertEqual([c["Key"] for c in out.get("Contents", [])], ["photos/top.jpg"])
        self.assertEqual([p["Prefix"] for p in out.get("CommonPrefixes", [])],
                         ["photos/2024/", "photos/2025/"])
        self.assertEqual(out["KeyCount"], 3)
        self.assertFalse(out["IsTruncated"])
        self.assertEqual(out.get("Prefix"), "photos/")
        self.assertEqual(out.get("Delimiter"), "/")

        out = self.s3.list_objects_v2(Bucket=self.bucket, Delimiter="/")
        self.assertEqual([c["Key"] for c in out.get("Contents", [])], ["root.txt"])
        self.assertEqual([p["Prefix"] for p in out.get("CommonPrefixes", [])],
                         ["docs/", "many/", "photos/"])

        out = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="photos/2024/")
        self.assertEqual([c["Key"] for c in out["Contents"]],
                         ["photos/2024/a.jpg", "photos/2024/b.jpg"])
        for c in out["Contents"]:
            self.assertEqual(c["Size"], len(c["Key"]))
            self.assertEqual(c["ETag"], md5_etag(c["Key"].encode()))

        out = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="nothing-here/")
        self.assertEqual(out["KeyCount"], 0)
        self.assertNotIn("Contents", out)

    def test_full_listing_sorted(self):
        self.assertEqual(self.all_keys(self.bucket), sorted(self.keys))

    def test_max_keys_and_continuation(self):
        seen = []
        token = None
        pages = 0
        while True:
            kw = {"Bucket": self.bucket, "Prefix": "many/", "MaxKeys": 10}
            if token:
                kw["ContinuationToken"] = token
            out = self.s3.list_objects_v2(**kw)
            pages += 1
            got = [c["Key"] for c in out.get("Contents", [])]
            self.assertEqual(out["KeyCount"], len(got))
            self.assertEqual(out["MaxKeys"], 10)
            seen += got
            if not out["IsTruncated"]:
                self.assertNotIn("NextContinuationToken", out)
                break
            self.assertEqual(len(got), 10)
            token = out["NextContinuationToken"]
            self.assertTrue(token)
            self.assertLess(pages, 10, "pagination does not terminate")
        self.assertEqual(pages, 3)
        self.assertEqual(seen, [f"many/k{i:03d}" for i in range(25)])

    def test_paginator_small_pages(self):
        self.assertEqual(self.all_keys(self.bucket, PaginationConfig={"PageSize": 7}),
                         sorted(self.keys))

    def test_max_keys_counts_common_prefixes(self):
        entries = []
        token = None
        for _ in range(10):
            kw = {"Bucket": self.bucket, "Delimiter": "/", "MaxKeys": 2}
            if token:
                kw["ContinuationToken"] = token
            out = self.s3.list_objects_v2(**kw)
            page = [c["Key"] for c in out.get("Contents", [])] + \
                   [p["Prefix"] for p in out.get("CommonPrefixes", [])]
            self.assertLessEqual(len(page), 2)
            self.assertEqual(out["KeyCount"], len(page))
            entries += page
            if not out["IsTruncated"]:
                break
            token = out["NextContinuationToken"]
        self.assertEqual(sorted(entries), ["docs/", "many/", "photos/", "root.txt"])

    def test_start_after(self):
        out = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="many/", StartAfter="many/k020")
        self.assertEqual([c["Key"] for c in out["Contents"]],
                         [f"many/k{i:03d}" for i in range(21, 25)])

    def test_cli_listing(self):
        out = self.server.aws_json(self.owner, "s3api", "list-objects-v2", "--bucket", self.bucket,
                                   "--prefix", "photos/", "--delimiter", "/")
        self.assertEqual([c["Key"] for c in out["Contents"]], ["photos/top.jpg"])
        self.assertEqual([p["Prefix"] for p in out["CommonPrefixes"]],
                         ["photos/2024/", "photos/2025/"])
        # The CLI's own pagination (--page-size) gathers everything.
        out = self.server.aws_json(self.owner, "s3api", "list-objects-v2", "--bucket", self.bucket,
                                   "--page-size", "4")
        self.assertEqual([c["Key"] for c in out["Contents"]], sorted(self.keys))


class ObjectOpsTest(S3Base):

    def test_head_object_metadata(self):
        data = b"id,value\n1,2\n"
        self.s3.put_object(Bucket=self.plain, Key="meta/file.csv", Body=data,
                           ContentType="text/csv",
                           Metadata={"owner": "org-a", "Purpose": "Clean Rooms test"})
        head = self.s3.head_object(Bucket=self.plain, Key="meta/file.csv")
        self.assertEqual(head["ContentType"], "text/csv")
        self.assertEqual(head["ContentLength"], len(data))
        self.assertEqual(head["ETag"], md5_etag(data))
        self.assertEqual(head["Metadata"], {"owner": "org-a", "purpose": "Clean Rooms test"})
        self.assertTrue(head.get("LastModified"))
        got = self.s3.get_object(Bucket=self.plain, Key="meta/file.csv")
        self.assertEqual(got["ContentType"], "text/csv")
        self.assertEqual(got["Metadata"], head["Metadata"])
        self.assertEqual(got["Body"].read(), data)
        # The raw header form.
        status, hdrs, _ = self.server.raw_request(
            "HEAD", f"/{self.plain}/meta/file.csv",
            headers=self.server.signed_headers(self.owner, "HEAD", f"/{self.plain}/meta/file.csv"))
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("x-amz-meta-owner"), "org-a")
        self.assertEqual(hdrs.get("content-length"), str(len(data)))

    def test_default_content_type(self):
        self.s3.put_object(Bucket=self.plain, Key="meta/untyped", Body=b"x")
        head = self.s3.head_object(Bucket=self.plain, Key="meta/untyped")
        self.assertTrue(head.get("ContentType"), "a Content-Type is always returned")

    def test_missing_objects_and_buckets(self):
        self.assertClientError(self.s3.get_object, "NoSuchKey", 404, Bucket=self.plain,
                               Key="no/such/key")
        self.assertClientError(self.s3.head_object, "404", 404, Bucket=self.plain,
                               Key="no/such/key")
        missing = harness.unique_name("missing")
        self.assertClientError(self.s3.get_object, "NoSuchBucket", 404, Bucket=missing, Key="k")
        self.assertClientError(self.s3.put_object, "NoSuchBucket", 404, Bucket=missing, Key="k",
                               Body=b"x")
        self.assertClientError(self.s3.list_objects_v2, "NoSuchBucket", 404, Bucket=missing)
        self.assertClientError(self.s3.head_bucket, "404", 404, Bucket=missing)
        # DeleteObject of a missing key is a success (204), as in S3.
        out = self.s3.delete_object(Bucket=self.plain, Key="no/such/key")
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 204)

    def test_overwrite_and_empty_object(self):
        self.s3.put_object(Bucket=self.sse, Key="ow", Body=b"first")
        self.s3.put_object(Bucket=self.sse, Key="ow", Body=b"second!")
        self.assertEqual(self.body(self.sse, "ow"), b"second!")
        self.s3.put_object(Bucket=self.sse, Key="empty", Body=b"")
        head = self.s3.head_object(Bucket=self.sse, Key="empty")
        self.assertEqual(head["ContentLength"], 0)
        self.assertEqual(head["ETag"], md5_etag(b""))
        self.assertEqual(self.body(self.sse, "empty"), b"")

    def test_copy_object(self):
        data = os.urandom(200 * 1024)
        src_key = "copy/src dir/a+b é.bin"
        self.s3.put_object(Bucket=self.plain, Key=src_key, Body=data,
                           ContentType="application/x-test", Metadata={"k": "v"})
        # Same bucket, metadata copied.
        out = self.s3.copy_object(Bucket=self.plain, Key="copy/dst1",
                                  CopySource={"Bucket": self.plain, "Key": src_key})
        self.assertEqual(out["CopyObjectResult"]["ETag"], md5_etag(data))
        head = self.s3.head_object(Bucket=self.plain, Key="copy/dst1")
        self.assertEqual(head["ContentType"], "application/x-test")
        self.assertEqual(head["Metadata"], {"k": "v"})
        self.assertEqual(self.body(self.plain, "copy/dst1"), data)
        # Across buckets into SSE, replacing metadata.
        out = self.s3.copy_object(Bucket=self.sse, Key="copy/dst2",
                                  CopySource={"Bucket": self.plain, "Key": src_key},
                                  MetadataDirective="REPLACE", ContentType="text/plain",
                                  Metadata={"new": "yes"})
        self.assertEqual(out.get("ServerSideEncryption"), "AES256")
        head = self.s3.head_object(Bucket=self.sse, Key="copy/dst2")
        self.assertEqual(head["ContentType"], "text/plain")
        self.assertEqual(head["Metadata"], {"new": "yes"})
        self.assertEqual(head.get("ServerSideEncryption"), "AES256")
        self.assertEqual(self.body(self.sse, "copy/dst2"), data)
        # From SSE back to plain.
        self.s3.copy_object(Bucket=self.plain, Key="copy/dst3",
                            CopySource={"Bucket": self.sse, "Key": "copy/dst2"})
        self.assertEqual(self.body(self.plain, "copy/dst3"), data)
        self.assertNotIn("ServerSideEncryption", self.s3.head_object(Bucket=self.plain,
                                                                     Key="copy/dst3"))
        # Source changes later do not affect the copy.
        self.s3.put_object(Bucket=self.plain, Key=src_key, Body=b"changed")
        self.assertEqual(self.body(self.plain, "copy/dst1"), data)
        # Missing source.
        self.assertClientError(self.s3.copy_object, "NoSuchKey", 404, Bucket=self.plain,
                               Key="copy/dst4", CopySource={"Bucket": self.plain, "Key": "nope"})
        # CLI form.
        self.server.aws(self.owner, "s3", "cp", f"s3://{self.sse}/copy/dst2",
                        f"s3://{self.plain}/copy/cli copy")
        self.assertEqual(self.body(self.plain, "copy/cli copy"), data)

    def test_copy_multipart_source(self):
        parts = [os.urandom(5 * MiB), os.urandom(1000)]
        key = "copy/mpu-src"
        uid = self.s3.create_multipart_upload(Bucket=self.plain, Key=key)["UploadId"]
        etags = [self.s3.upload_part(Bucket=self.plain, Key=key, UploadId=uid, PartNumber=i + 1,
                                     Body=p)["ETag"] for i, p in enumerate(parts)]
        self.s3.complete_multipart_upload(
            Bucket=self.plain, Key=key, UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e}
                                       for i, e in enumerate(etags)]})
        self.s3.copy_object(Bucket=self.sse, Key="copy/mpu-dst",
                            CopySource={"Bucket": self.plain, "Key": key})
        self.assertTrue(self.body(self.sse, "copy/mpu-dst") == b"".join(parts))

    def test_delete_objects(self):
        keys = [f"batch/k{i}" for i in range(6)]
        for k in keys:
            self.s3.put_object(Bucket=self.plain, Key=k, Body=k.encode())
        out = self.s3.delete_objects(Bucket=self.plain, Delete={"Objects": [
            {"Key": "batch/k0"}, {"Key": "batch/k1"}, {"Key": "batch/k2"},
            {"Key": "batch/does-not-exist"}]})
        self.assertEqual(sorted(d["Key"] for d in out.get("Deleted", [])),
                         ["batch/does-not-exist", "batch/k0", "batch/k1", "batch/k2"])
        self.assertFalse(out.get("Errors"), out.get("Errors"))
        self.assertEqual(self.all_keys(self.plain, Prefix="batch/"),
                         ["batch/k3", "batch/k4", "batch/k5"])
        out = self.s3.delete_objects(Bucket=self.plain, Delete={"Quiet": True, "Objects": [
            {"Key": "batch/k3"}]})
        self.assertFalse(out.get("Deleted"), "Quiet mode reports only errors")
        self.server.aws(self.owner, "s3api", "delete-objects", "--bucket", self.plain, "--delete",
                        '{"Objects":[{"Key":"batch/k4"},{"Key":"batch/k5"}]}')
        self.assertEqual(self.all_keys(self.plain, Prefix="batch/"), [])

    def test_checksum_mode_get(self):
        data = os.urandom(12345)
        self.s3.put_object(Bucket=self.sse, Key="ck", Body=data, ChecksumAlgorithm="CRC32")
        resp = self.s3.get_object(Bucket=self.sse, Key="ck", ChecksumMode="ENABLED")
        self.assertEqual(resp["Body"].read(), data)   # botocore validates any returned checksum
        if "ChecksumCRC32" in resp:
            self.assertEqual(resp["ChecksumCRC32"], crc32_b64(data))

    def test_put_without_checksum_headers(self):
        s3 = self.server.client("s3", self.owner, request_checksum_calculation="when_required")
        s3.put_object(Bucket=self.plain, Key="nock", Body=b"no checksum header")
        self.assertEqual(self.body(self.plain, "nock"), b"no checksum header")


class MultipartApiTest(S3Base):

    def test_complete_etag_and_content(self):
        parts = [os.urandom(5 * MiB), os.urandom(5 * MiB + 7), os.urandom(1234)]
        key = "mpu/complete.bin"
        up = self.s3.create_multipart_upload(Bucket=self.sse, Key=key, ContentType="app/x",
                                             Metadata={"m": "1"})
        self.assertEqual(up["Bucket"], self.sse)
        self.assertEqual(up["Key"], key)
        uid = up["UploadId"]
        etags = []
        for i, p in enumerate(parts):
            out = self.s3.upload_part(Bucket=self.sse, Key=key, UploadId=uid, PartNumber=i + 1,
                                      Body=p)
            self.assertEqual(out["ETag"], md5_etag(p))
            etags.append(out["ETag"])
        done = self.s3.complete_multipart_upload(
            Bucket=self.sse, Key=key, UploadId=uid,
            MultipartUpload={"Parts": [{"PartNumber": i + 1, "ETag": e}
                                       for i, e in enumerate(etags)]})
        digest = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        self.assertEqual(done["ETag"], f'"{digest}-3"')
        head = self.s3.head_object(Bucket=self.sse, Key=key)
        self.assertEqual(head["ETag"], f'"{digest}-3"')
        self.assertEqual(head["ContentLength"], sum(map(len, parts)))
        self.assertEqual(head["ContentType"], "app/x")
        self.assertEqual(head["Metadata"], {"m": "1"})
        self.assertTrue(self.body(self.sse, key) == b"".join(parts))
        # Range across the part boundary.
        a = 5 * MiB - 100
        got = self.body(self.sse, key, Range=f"bytes={a}-{a + 199}")
        self.assertTrue(got == b"".join(parts)[a:a + 200])
        # The upload is gone after completion.
        self.assertClientError(self.s3.list_parts, "NoSuchUpload", 404, Bucket=self.sse,
                               Key=key, UploadId=uid)

    def test_list_parts_and_abort(self):
        key = "mpu/aborted.bin"
        uid = self.s3.create_multipart_upload(Bucket=self.plain, Key=key)["UploadId"]
        p1, p2 = os.urandom(5 * MiB), os.urandom(4096)
        e1 = self.s3.upload_part(Bucket=self.plain, Key=key, UploadId=uid, PartNumber=1,
                                 Body=p1)["ETag"]
        e2 = self.s3.upload_part(Bucket=self.plain, Key=key, UploadId=uid, PartNumber=2,
                                 Body=p2)["ETag"]
        out = self.s3.list_parts(Bucket=self.plain, Key=key, UploadId=uid)
        self.assertEqual(out["UploadId"], uid)
        self.assertEqual([(p["PartNumber"], p["Size"], p["ETag"]) for p in out["Parts"]],
                         [(1, len(p1), e1), (2, len(p2), e2)])
        # Re-uploading a part replaces it.
        p2b = os.urandom(100)
        e2b = self.s3.upload_part(Bucket=self.plain, Key=key, UploadId=uid, PartNumber=2,
                                  Body=p2b)["ETag"]
        parts = self.s3.list_parts(Bucket=self.plain, Key=key, UploadId=uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"], p["ETag"]) for p in parts],
                         [(1, len(p1), e1), (2, len(p2b), e2b)])
        # Paged ListParts.
        page = self.s3.list_parts(Bucket=self.plain, Key=key, UploadId=uid, MaxParts=1)
        self.assertTrue(page["IsTruncated"])
        self.assertEqual([p["PartNumber"] for p in page["Parts"]], [1])
        page = self.s3.list_parts(Bucket=self.plain, Key=key, UploadId=uid,
                                  PartNumberMarker=page["NextPartNumberMarker"])
        self.assertEqual([p["PartNumber"] for p in page["Parts"]], [2])

        self.s3.abort_multipart_upload(Bucket=self.plain, Key=key, UploadId=uid)
        self.assertClientError(self.s3.list_parts, "NoSuchUpload", 404, Bucket=self.plain,
                               Key=key, UploadId=uid)
        self.assertClientError(self.s3.upload_part, "NoSuchUpload", 404, Bucket=self.plain,
                               Key=key, UploadId=uid, PartNumber=3, Body=b"x")
        self.assertClientError(
            self.s3.complete_multipart_upload, "NoSuchUpload", 404, Bucket=self.plain, Key=key,
            UploadId=uid, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}]})
        self.assertClientError(self.s3.head_object, "404", 404, Bucket=self.plain, Key=key)

    def test_cli_list_parts_and_abort(self):
        key = "mpu/cli.bin"
        up = self.server.aws_json(self.owner, "s3api", "create-multipart-upload", "--bucket",
                                  self.plain, "--key", key)
        uid = up["UploadId"]
        part = os.path.join(self.tmp, "part.bin")
        with open(part, "wb") as f:
            f.write(os.urandom(1024))
        self.server.aws(self.owner, "s3api", "upload-part", "--bucket", self.plain, "--key", key,
                        "--upload-id", uid, "--part-number", "1", "--body", part)
        parts = self.server.aws_json(self.owner, "s3api", "list-parts", "--bucket", self.plain,
                                     "--key", key, "--upload-id", uid)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, 1024)])
        self.server.aws(self.owner, "s3api", "abort-multipart-upload", "--bucket", self.plain,
                        "--key", key, "--upload-id", uid)
        res = self.server.aws(self.owner, "s3api", "list-parts", "--bucket", self.plain,
                              "--key", key, "--upload-id", uid, check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("NoSuchUpload", res.stderr)

    def test_complete_rejects_bad_part_lists(self):
        key = "mpu/bad.bin"
        uid = self.s3.create_multipart_upload(Bucket=self.plain, Key=key)["UploadId"]
        p1, p2 = os.urandom(5 * MiB), os.urandom(5 * MiB)
        e1 = self.s3.upload_part(Bucket=self.plain, Key=key, UploadId=uid, PartNumber=1,
                                 Body=p1)["ETag"]
        e2 = self.s3.upload_part(Bucket=self.plain, Key=key, UploadId=uid, PartNumber=2,
                                 Body=p2)["ETag"]

        def complete(parts):
            return self.s3.complete_multipart_upload(
                Bucket=self.plain, Key=key, UploadId=uid,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]})

        with self.subTest("wrong ETag"):
            self.assertClientError(complete, "InvalidPart", 400,
                                   [(1, '"00000000000000000000000000000000"')])
        with self.subTest("part never uploaded"):
            self.assertClientError(complete, "InvalidPart", 400, [(1, e1), (3, e2)])
        with self.subTest("parts out of order"):
            self.assertClientError(complete, "InvalidPartOrder", 400, [(2, e2), (1, e1)])
        # Replace part 1 by a small one: a non-final part below 5 MiB is refused.
        small = os.urandom(1024)
        e1 = self.s3.upload_part(Bucket=self.plain, Key=key, UploadId=uid, PartNumber=1,
                                 Body=small)["ETag"]
        with self.subTest("non-final part below 5 MiB"):
            self.assertClientError(complete, "EntityTooSmall", 400, [(1, e1), (2, e2)])
        # The upload survives failed completions; a subset of parts (not contiguous from 1)
        # may still complete it.
        done = complete([(2, e2)])
        self.assertTrue(done["ETag"].endswith('-1"'), done["ETag"])
        self.assertTrue(self.body(self.plain, key) == p2)


class VersioningTest(S3Base):

    def test_versions_and_delete_markers(self):
        bucket = self.make_bucket("ver")
        self.assertNotIn("Status", self.s3.get_bucket_versioning(Bucket=bucket))
        self.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=bucket)["Status"], "Enabled")
        v1 = self.s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
        v2 = self.s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
        self.assertNotEqual(v1, v2)
        self.assertEqual(self.body(bucket, "k"), b"two")
        self.assertEqual(self.body(bucket, "k", VersionId=v1), b"one")
        head = self.s3.head_object(Bucket=bucket, Key="k", VersionId=v1)
        self.assertEqual(head["VersionId"], v1)
        self.assertEqual(head["ContentLength"], 3)
        dm = self.s3.delete_object(Bucket=bucket, Key="k")
        self.assertTrue(dm.get("DeleteMarker"), dm)
        marker = dm["VersionId"]
        self.assertClientError(self.s3.get_object, "NoSuchKey", 404, Bucket=bucket, Key="k")
        self.assertEqual(self.all_keys(bucket), [])
        self.assertEqual(self.body(bucket, "k", VersionId=v2), b"two")
        lv = self.s3.list_object_versions(Bucket=bucket)
        self.assertEqual(sorted(v["VersionId"] for v in lv["Versions"]), sorted([v1, v2]))
        self.assertEqual([d["VersionId"] for d in lv["DeleteMarkers"]], [marker])
        self.assertClientError(self.s3.delete_bucket, "BucketNotEmpty", 409, Bucket=bucket)
        # Removing the delete marker brings the object back.
        self.s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
        self.assertEqual(self.body(bucket, "k"), b"two")
        for v in (v1, v2):
            self.s3.delete_object(Bucket=bucket, Key="k", VersionId=v)
        lv = self.s3.list_object_versions(Bucket=bucket)
        self.assertFalse(lv.get("Versions") or lv.get("DeleteMarkers"), lv)
        self.s3.delete_bucket(Bucket=bucket)

    def test_sse_versioned_bucket(self):
        bucket = self.make_bucket("ver-sse", sse=True, versioned=True)
        v1 = self.s3.put_object(Bucket=bucket, Key="k", Body=b"a" * 100000)["VersionId"]
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"b" * 10)
        self.assertEqual(self.body(bucket, "k", VersionId=v1), b"a" * 100000)
        self.assertEqual(self.body(bucket, "k", VersionId=v1, Range="bytes=99990-"), b"a" * 10)


class BucketTest(S3Base):

    def test_bucket_names_validated(self):
        bad = ["ab", "a" * 64, "UpperCase", "under_score", "-leading", "trailing-", "dou..ble",
               "192.168.1.1", "has space", "xn--prefixed", "suffix-s3alias", ".dot", "dot."]
        for name in bad:
            with self.subTest(name=name):
                res = self.server.raw_request(
                    "PUT", f"/{harness.quote_key(name)}", body=b"",
                    headers=self.server.signed_headers(self.owner, "PUT",
                                                       f"/{harness.quote_key(name)}"))
                status, _, body = res
                self.assertEqual((status, harness.xml_error_code(body)),
                                 (400, "InvalidBucketName"), body[:300])
        for name in ("abc", "a" * 63, "with.dots.ok", "digits-123", "1starts-with-digit"):
            with self.subTest(good=name):
                self.s3.create_bucket(Bucket=name)
                self.s3.head_bucket(Bucket=name)
                self.s3.delete_bucket(Bucket=name)

    def test_bucket_already_exists(self):
        name = harness.unique_name("taken")
        self.s3.create_bucket(Bucket=name)
        self.assertClientError(self.s3.create_bucket, "BucketAlreadyOwnedByYou", 409, Bucket=name)
        self.assertClientError(self.s3_other.create_bucket, "BucketAlreadyExists", 409,
                               Bucket=name)
        res = self.server.aws(self.other, "s3", "mb", f"s3://{name}", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("BucketAlreadyExists", res.stderr)
        self.s3.delete_bucket(Bucket=name)
        # Once deleted, the name is free for anyone.
        self.s3_other.create_bucket(Bucket=name)
        self.s3_other.delete_bucket(Bucket=name)

    def test_create_with_location_constraint(self):
        name = harness.unique_name("located")
        self.s3.create_bucket(Bucket=name,
                              CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.s3.head_bucket(Bucket=name)
        self.assertIn(name, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])
        self.s3.delete_bucket(Bucket=name)

    def test_delete_bucket(self):
        name = self.make_bucket("del")
        self.s3.put_object(Bucket=name, Key="x", Body=b"x")
        self.assertClientError(self.s3.delete_bucket, "BucketNotEmpty", 409, Bucket=name)
        self.s3.delete_object(Bucket=name, Key="x")
        out = self.s3.delete_bucket(Bucket=name)
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertClientError(self.s3.delete_bucket, "NoSuchBucket", 404, Bucket=name)
        self.assertNotIn(name, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])

    def test_encryption_config(self):
        name = self.make_bucket("enc")
        self.assertClientError(self.s3.get_bucket_encryption,
                               "ServerSideEncryptionConfigurationNotFoundError", 404, Bucket=name)
        self.s3.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        rules = self.s3.get_bucket_encryption(Bucket=name)[
            "ServerSideEncryptionConfiguration"]["Rules"]
        self.assertEqual(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")
        self.assertEqual(self.s3.put_object(Bucket=name, Key="k", Body=b"x").get(
            "ServerSideEncryption"), "AES256")


class CrossAccountTest(S3Base):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bucket = cls.make_bucket("private", versioned=True)
        cls.data = os.urandom(5000)
        cls.s3.put_object(Bucket=cls.bucket, Key="secret.csv", Body=cls.data)
        cls.other_bucket = cls.make_bucket("others", client=cls.s3_other)
        cls.s3_other.put_object(Bucket=cls.other_bucket, Key="mine", Body=b"mine")
        cls.upload_id = cls.s3.create_multipart_upload(Bucket=cls.bucket,
                                                       Key="pending")["UploadId"]

    def test_other_account_denied_everywhere(self):
        o, b = self.s3_other, self.bucket
        denied = [
            ("ListObjectsV2", o.list_objects_v2, dict(Bucket=b)),
            ("ListObjectVersions", o.list_object_versions, dict(Bucket=b)),
            ("GetObject", o.get_object, dict(Bucket=b, Key="secret.csv")),
            ("GetObject missing key", o.get_object, dict(Bucket=b, Key="nope")),
            ("PutObject", o.put_object, dict(Bucket=b, Key="secret.csv", Body=b"pwned")),
            ("PutObject new key", o.put_object, dict(Bucket=b, Key="new", Body=b"pwned")),
            ("DeleteObject", o.delete_object, dict(Bucket=b, Key="secret.csv")),
            ("CopyObject out", o.copy_object,
             dict(Bucket=self.other_bucket, Key="stolen",
                  CopySource={"Bucket": b, "Key": "secret.csv"})),
            ("CopyObject in", o.copy_object,
             dict(Bucket=b, Key="planted", CopySource={"Bucket": self.other_bucket,
                                                       "Key": "mine"})),
            ("CreateMultipartUpload", o.create_multipart_upload, dict(Bucket=b, Key="m")),
            ("UploadPart", o.upload_part,
             dict(Bucket=b, Key="pending", UploadId=self.upload_id, PartNumber=1, Body=b"x")),
            ("ListParts", o.list_parts, dict(Bucket=b, Key="pending", UploadId=self.upload_id)),
            ("AbortMultipartUpload", o.abort_multipart_upload,
             dict(Bucket=b, Key="pending", UploadId=self.upload_id)),
            ("PutBucketVersioning", o.put_bucket_versioning,
             dict(Bucket=b, VersioningConfiguration={"Status": "Suspended"})),
            ("GetBucketVersioning", o.get_bucket_versioning, dict(Bucket=b)),
            ("PutBucketEncryption", o.put_bucket_encryption,
             dict(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [
                 {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})),
            ("GetBucketEncryption", o.get_bucket_encryption, dict(Bucket=b)),
            ("DeleteBucket", o.delete_bucket, dict(Bucket=b)),
        ]
        for label, fn, kw in denied:
            with self.subTest(op=label):
                self.assertClientError(fn, "AccessDenied", 403, **kw)
        with self.subTest(op="DeleteObjects"):
            # Either the whole request is refused, or every key is reported as AccessDenied.
            try:
                out = o.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "secret.csv"}]})
            except ClientError as e:
                self.assertEqual((client_error_code(e), client_error_status(e)),
                                 ("AccessDenied", 403))
            else:
                self.assertFalse(out.get("Deleted"), out)
                self.assertEqual([x["Code"] for x in out.get("Errors", [])], ["AccessDenied"])
        for label, fn, kw in [("HeadBucket", o.head_bucket, dict(Bucket=b)),
                              ("HeadObject", o.head_object, dict(Bucket=b, Key="secret.csv"))]:
            with self.subTest(op=label):
                self.assertClientError(fn, "403", 403, **kw)

        # Nothing changed for the owner.
        self.assertEqual(self.body(b, "secret.csv"), self.data)
        self.assertEqual(self.all_keys(b), ["secret.csv"])
        self.assertEqual(self.s3.list_parts(Bucket=b, Key="pending",
                                            UploadId=self.upload_id)["UploadId"], self.upload_id)
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        self.assertEqual(self.all_keys(self.other_bucket, client=self.s3_other), ["mine"])

    def test_cli_denied(self):
        res = self.server.aws(self.other, "s3", "cp", f"s3://{self.bucket}/secret.csv", "-",
                              check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("403", res.stderr)
        res = self.server.aws(self.other, "s3", "ls", f"s3://{self.bucket}", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("AccessDenied", res.stderr)

    def test_list_buckets_only_own(self):
        mine = [b["Name"] for b in self.s3.list_buckets()["Buckets"]]
        theirs = [b["Name"] for b in self.s3_other.list_buckets()["Buckets"]]
        self.assertIn(self.bucket, mine)
        self.assertIn(self.plain, mine)
        self.assertNotIn(self.other_bucket, mine)
        self.assertEqual(theirs, [self.other_bucket])
        self.assertEqual(mine, sorted(mine), "ListBuckets is sorted by name")
        admin = [b["Name"] for b in self.server.client("s3", self.admin).list_buckets()["Buckets"]]
        self.assertNotIn(self.bucket, admin, "admin's ListBuckets shows only the admin's buckets")
        cli = self.server.aws(self.other, "s3", "ls").stdout
        self.assertIn(self.other_bucket, cli)
        self.assertNotIn(self.bucket, cli)


class PayloadVariantsTest(S3Base):
    """Request shapes other clients send (aws-chunked over https, UNSIGNED-PAYLOAD, Expect)."""

    def test_unsigned_payload(self):
        path = f"/{self.plain}/variants/unsigned"
        hdrs = self.server.signed_headers(self.owner, "PUT", path, b"unsigned body",
                                          payload_hash="UNSIGNED-PAYLOAD")
        status, _, body = self.server.raw_request("PUT", path, body=b"unsigned body",
                                                  headers=hdrs)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.body(self.plain, "variants/unsigned"), b"unsigned body")

    def _aws_chunked(self, data, chunk_size, trailer_crc=None):
        out = bytearray()
        for off in range(0, len(data), chunk_size):
            piece = data[off:off + chunk_size]
            out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        crc = trailer_crc or crc32_b64(data)
        out += b"0\r\n" + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode()
        return bytes(out)

    def _put_aws_chunked(self, bucket, key, data, wire, outer_chunked):
        path = f"/{bucket}/{harness.quote_key(key)}"
        hdrs = self.server.signed_headers(
            self.owner, "PUT", path, b"",
            headers={"Content-Encoding": "aws-chunked",
                     "X-Amz-Decoded-Content-Length": str(len(data)),
                     "X-Amz-Trailer": "x-amz-checksum-crc32",
                     "x-amz-sdk-checksum-algorithm": "CRC32"},
            payload_hash="STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        conn = self.server.connection()
        try:
            conn.putrequest("PUT", path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if outer_chunked:
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                for off in range(0, len(wire), 7000):
                    piece = wire[off:off + 7000]
                    conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.putheader("Content-Length", str(len(wire)))
                conn.endheaders()
                conn.send(wire)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def test_aws_chunked_with_trailer(self):
        data = os.urandom(150000)
        for bucket in (self.plain, self.sse):
            for outer in (False, True):
                with self.subTest(bucket=bucket, outer_http_chunking=outer):
                    key = f"variants/aws-chunked-{outer}"
                    wire = self._aws_chunked(data, 65536)
                    status, body = self._put_aws_chunked(bucket, key, data, wire, outer)
                    self.assertEqual(status, 200, body[:300])
                    got = self.s3.get_object(Bucket=bucket, Key=key)
                    self.assertTrue(got["Body"].read() == data, "decoded body differs")
                    self.assertEqual(got["ContentLength"], len(data))
                    self.assertNotIn("aws-chunked", got.get("ContentEncoding", ""))
                    self.assertEqual(got["ETag"], md5_etag(data))

    def test_aws_chunked_bad_trailer_rejected(self):
        data = b"trailer mismatch " * 100
        wire = self._aws_chunked(data, 512, trailer_crc=crc32_b64(b"something else"))
        status, body = self._put_aws_chunked(self.plain, "variants/bad-trailer", data, wire, False)
        self.assertEqual(status, 400, body[:300])
        self.assertTrue(harness.xml_error_code(body), body[:300])
        self.assertClientError(self.s3.head_object, "404", 404, Bucket=self.plain,
                               Key="variants/bad-trailer")

    def test_expect_100_continue_answered_promptly(self):
        path = f"/{self.plain}/variants/expect"
        data = os.urandom(4096)
        hdrs = self.server.signed_headers(self.owner, "PUT", path, data)
        hdrs["Content-Length"] = str(len(data))
        hdrs["Expect"] = "100-continue"
        hdrs["Host"] = f"{self.server.host}:{self.server.port}"
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(head.encode() + b"\r\n")
            t0 = time.monotonic()
            s.settimeout(0.9)
            try:
                first = s.recv(4096)
            except socket.timeout:
                first = b""
            waited = time.monotonic() - t0
            self.assertTrue(first.startswith(b"HTTP/1.1 100"),
                            f"no '100 Continue' within {waited:.2f}s (got {first[:60]!r}); "
                            "botocore then stalls ~1 s per upload")
            s.settimeout(10)
            s.sendall(data)
            rest = b""
            while b"\r\n\r\n" not in rest:
                chunk = s.recv(4096)
                if not chunk:
                    break
                rest += chunk
            self.assertTrue(rest.startswith(b"HTTP/1.1 200"), rest[:200])
        self.assertEqual(self.body(self.plain, "variants/expect"), data)


class RestartTest(ServerTestCase):

    def test_restart_keeps_accounts_buckets_objects(self):
        srv = self.server
        a = srv.create_account(harness.unique_name("persist-a"))
        b = srv.create_account(harness.unique_name("persist-b"))
        extra = srv.cli_json("admin", "key", "create", "--account-id", a.account_id)
        srv.cli_json("admin", "key", "disable", "--access-key-id", extra["AccessKeyId"])
        disabled = a.with_key(extra["AccessKeyId"], extra["SecretAccessKey"])
        s3a, s3b = srv.client("s3", a), srv.client("s3", b)

        plain = harness.unique_name("p-plain")
        sse = harness.unique_name("p-sse")
        ver = harness.unique_name("p-ver")
        mine_b = harness.unique_name("p-b")
        for name in (plain, sse, ver):
            s3a.create_bucket(Bucket=name)
        s3a.put_bucket_encryption(Bucket=sse, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3a.put_bucket_versioning(Bucket=ver, VersioningConfiguration={"Status": "Enabled"})
        s3b.create_bucket(Bucket=mine_b)

        objects = {
            (plain, "small.txt"): b"hello, persistent world\n",
            (plain, "dir/with space+plus.bin"): os.urandom(70000),
            (sse, "enc/1mib.bin"): os.urandom(MiB + 17),
            (mine_b, "b-object"): os.urandom(3000),
        }
        for (bucket, key), data in objects.items():
            (s3b if bucket == mine_b else s3a).put_object(Bucket=bucket, Key=key, Body=data,
                                                          Metadata={"n": str(len(data))})
        big = os.path.join(self.tmp, "persist-big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(9 * MiB + 5))
        srv.aws(a, "s3", "cp", big, f"s3://{sse}/enc/multipart.bin", timeout=300)
        big_etag = s3a.head_object(Bucket=sse, Key="enc/multipart.bin")["ETag"]
        v1 = s3a.put_object(Bucket=ver, Key="k", Body=b"v1")["VersionId"]
        v2 = s3a.put_object(Bucket=ver, Key="k", Body=b"v2")["VersionId"]
        marker = s3a.delete_object(Bucket=ver, Key="k")["VersionId"]
        pending = s3a.create_multipart_upload(Bucket=plain, Key="pending")["UploadId"]
        part = os.urandom(1000)
        pe = s3a.upload_part(Bucket=plain, Key="pending", UploadId=pending, PartNumber=1,
                             Body=part)["ETag"]
        accounts_before = srv.cli_json("admin", "account", "list")["Accounts"]

        srv.restart()
        s3a, s3b = srv.client("s3", a), srv.client("s3", b)

        self.assertEqual(srv.client("sts", a).get_caller_identity()["Account"], a.account_id)
        self.assertEqual(srv.client("sts", b).get_caller_identity()["Account"], b.account_id)
        self.assertEqual(
            sorted((x["AccountId"], x["Name"], x["Admin"]) for x in
                   srv.cli_json("admin", "account", "list")["Accounts"]),
            sorted((x["AccountId"], x["Name"], x["Admin"]) for x in accounts_before))
        self.assertClientError(srv.client("s3", disabled).list_buckets, "InvalidAccessKeyId", 403)

        self.assertEqual(sorted(x["Name"] for x in s3a.list_buckets()["Buckets"]),
                         sorted([plain, sse, ver]))
        self.assertEqual([x["Name"] for x in s3b.list_buckets()["Buckets"]], [mine_b])
        for (bucket, key), data in objects.items():
            with self.subTest(bucket=bucket, key=key):
                c = s3b if bucket == mine_b else s3a
                got = c.get_object(Bucket=bucket, Key=key)
                self.assertTrue(got["Body"].read() == data, "content changed across restart")
                self.assertEqual(got["ETag"], md5_etag(data))
                self.assertEqual(got["Metadata"], {"n": str(len(data))})
        self.assertEqual(s3a.get_object(Bucket=sse, Key="enc/1mib.bin").get(
            "ServerSideEncryption"), "AES256")
        out = os.path.join(self.tmp, "persist-big.out")
        srv.aws(a, "s3", "cp", f"s3://{sse}/enc/multipart.bin", out, timeout=300)
        self.assertEqual(harness.sha256_file(out), harness.sha256_file(big))
        self.assertEqual(s3a.head_object(Bucket=sse, Key="enc/multipart.bin")["ETag"], big_etag)

        self.assertEqual(s3a.get_bucket_versioning(Bucket=ver)["Status"], "Enabled")
        self.assertEqual(s3a.get_bucket_encryption(Bucket=sse)["ServerSideEncryptionConfiguration"]
                         ["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                         "AES256")
        lv = s3a.list_object_versions(Bucket=ver)
        self.assertEqual(sorted(v["VersionId"] for v in lv.get("Versions", [])), sorted([v1, v2]))
        self.assertEqual([d["VersionId"] for d in lv.get("DeleteMarkers", [])], [marker])
        self.assertEqual(s3a.get_object(Bucket=ver, Key="k", VersionId=v1)["Body"].read(), b"v1")

        parts = s3a.list_parts(Bucket=plain, Key="pending", UploadId=pending)["Parts"]
        self.assertEqual([(p["PartNumber"], p["ETag"]) for p in parts], [(1, pe)])
        s3a.complete_multipart_upload(Bucket=plain, Key="pending", UploadId=pending,
                                      MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": pe}]})
        self.assertEqual(s3a.get_object(Bucket=plain, Key="pending")["Body"].read(), part)

        # Ownership survives too.
        self.assertClientError(s3b.get_object, "AccessDenied", 403, Bucket=plain, Key="small.txt")
        self.assertClientError(s3b.create_bucket, "BucketAlreadyExists", 409, Bucket=plain)


if __name__ == "__main__":
    unittest.main()
