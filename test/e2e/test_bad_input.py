"""Hostile and broken requests sent as raw HTTP (http.client / sockets), signed with botocore's
SigV4 signers where a valid signature is needed. Every test ends by checking that the server is
still alive, answers /healthz, and printed no sanitizer or crash text."""

import base64
import datetime
import hashlib
import json
import os
import re
import socket
import threading
import time
import unittest
import zlib

from botocore.exceptions import ClientError

import harness
from harness import ServerTestCase

MiB = 1 << 20
DB_NOISE = ("-wal", "-shm", "-journal")


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


def json_error_code(headers, body):
    code = headers.get("x-amzn-errortype", "")
    if not code and body:
        try:
            doc = json.loads(body)
        except ValueError:
            return None
        if isinstance(doc, dict):
            code = doc.get("__type") or doc.get("code") or doc.get("Code") or ""
    return code.split(":")[0].split("#")[-1] or None


class BadInputTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()
        cls.s3 = cls.server.client("s3", cls.acct)
        cls.bucket = harness.unique_name("bad-input")
        cls.s3.create_bucket(Bucket=cls.bucket)
        cls.sse_bucket = harness.unique_name("bad-input-sse")
        cls.s3.create_bucket(Bucket=cls.sse_bucket)
        cls.s3.put_bucket_encryption(
            Bucket=cls.sse_bucket, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})

    def tearDown(self):
        self.server.assert_healthy()

    # ----- helpers ---------------------------------------------------------------------------

    def signed(self, method, path, body=b"", headers=None, **kw):
        return self.server.signed_request(self.acct, method, path, body, headers, **kw)

    def assert_s3_error(self, result, status, code):
        got_status, _, body = result
        got_code = harness.xml_error_code(body)
        self.assertEqual((got_status, got_code), (status, code),
                         f"expected HTTP {status} {code}, server answered HTTP {got_status} "
                         f"{got_code}: {body[:400]!r}")
        self.assertIn(b"<Error>", body)

    def assert_4xx_with_code(self, result, allow=None):
        status, headers, body = result
        self.assertTrue(400 <= status < 500, f"expected a 4xx, got {status}: {body[:300]!r}")
        code = harness.xml_error_code(body) or json_error_code(headers, body)
        self.assertTrue(code, f"HTTP {status} without an error code: {body[:300]!r}")
        if allow is not None:
            self.assertIn(code, allow, body[:300])
        return code

    def exchange(self, payload, timeout=10, half_close=False):
        """Sends raw bytes on a new connection; returns whatever comes back before close/timeout."""
        with socket.create_connection((self.server.host, self.server.port), timeout=timeout) as s:
            try:
                s.sendall(payload)
                if half_close:
                    s.shutdown(socket.SHUT_WR)
            except (BrokenPipeError, ConnectionResetError):
                pass
            data = b""
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    break
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data and not half_close:
                    head, _, rest = data.partition(b"\r\n\r\n")
                    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
                    if m and len(rest) >= int(m.group(1)):
                        break
            return data

    def host(self):
        return f"{self.server.host}:{self.server.port}"

    def object_exists(self, bucket, key):
        try:
            self.s3.head_object(Bucket=bucket, Key=key)
            return True
        except ClientError as e:
            if harness.client_error_status(e) == 404:
                return False
            raise

    def data_files(self):
        return {p for p in harness.walk_files(self.server.data_dir)
                if not p.endswith(DB_NOISE) and os.path.basename(p) != "endpoint"}

    def tmp_files(self):
        """Files in any directory named tmp under the data dir (DIR/tmp, DIR/objects/tmp...)."""
        found = set()
        for dirpath, dirnames, _ in os.walk(self.server.data_dir):
            if os.path.basename(dirpath) == "tmp":
                found |= set(harness.walk_files(dirpath))
                dirnames[:] = []
        return found

    def blob_files(self):
        """The blob files of the object store (DIR/objects/blobs/<xx>/<id>)."""
        return set(harness.walk_files(os.path.join(self.server.data_dir, "objects", "blobs")))

    # ----- signatures and payload hashes -------------------------------------------------------

    def test_tampered_body_with_signed_payload_hash(self):
        path = f"/{self.bucket}/tampered"
        original = b"transfer 100 to alice\n"
        tampered = b"transfer 999 to mally\n"
        self.assertEqual(len(original), len(tampered))
        res = self.signed("PUT", path, original, send_body=tampered)
        self.assert_s3_error(res, 400, "XAmzContentSHA256Mismatch")
        self.assertFalse(self.object_exists(self.bucket, "tampered"))
        # A longer body under the same signature fails the same way.
        res = self.signed("PUT", path, original, send_body=original + b"extra")
        self.assert_s3_error(res, 400, "XAmzContentSHA256Mismatch")
        self.assertFalse(self.object_exists(self.bucket, "tampered"))
        # Sanity: the untampered request is accepted.
        self.assertEqual(self.signed("PUT", path, original)[0], 200)
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="tampered")["Body"].read(),
                         original)

    def test_tampered_body_on_large_upload(self):
        # The mismatch is only known after the whole body streamed in: nothing may be stored.
        path = f"/{self.sse_bucket}/tampered-large"
        body = os.urandom(3 * MiB)
        bad = bytearray(body)
        bad[-1] ^= 0xFF
        blobs = self.blob_files()
        res = self.signed("PUT", path, body, send_body=bytes(bad), timeout=60)
        self.assert_s3_error(res, 400, "XAmzContentSHA256Mismatch")
        self.assertFalse(self.object_exists(self.sse_bucket, "tampered-large"))
        # The blob written while the body streamed in was removed, not left for the collector.
        self.assertEqual(self.blob_files(), blobs)

    def test_wrong_checksum_header(self):
        path = f"/{self.bucket}/bad-crc"
        body = b"checksummed body"
        blobs = self.blob_files()
        res = self.signed("PUT", path, body, headers={
            "x-amz-checksum-crc32": crc32_b64(b"other body"),
            "x-amz-sdk-checksum-algorithm": "CRC32"})
        self.assert_s3_error(res, 400, "BadDigest")
        self.assertFalse(self.object_exists(self.bucket, "bad-crc"))
        res = self.signed("PUT", path, body, headers={
            "Content-MD5": base64.b64encode(hashlib.md5(b"other").digest()).decode()})
        self.assert_s3_error(res, 400, "BadDigest")
        self.assertFalse(self.object_exists(self.bucket, "bad-crc"))
        self.assertEqual(self.blob_files(), blobs)
        res = self.signed("PUT", path, body, headers={"Content-MD5": "not-base64-md5"})
        self.assert_s3_error(res, 400, "InvalidDigest")
        self.assertFalse(self.object_exists(self.bucket, "bad-crc"))

    def test_bad_payload_hash_value(self):
        path = f"/{self.bucket}/bad-hash-value"
        hdrs = self.server.signed_headers(self.acct, "PUT", path, b"abc",
                                          payload_hash="not-a-hash")
        hdrs["Content-Length"] = "3"
        res = self.server.raw_request("PUT", path, body=b"abc", headers=hdrs)
        self.assert_4xx_with_code(res)
        self.assertFalse(self.object_exists(self.bucket, "bad-hash-value"))

    def test_bad_signature(self):
        path = f"/{self.bucket}?list-type=2"
        hdrs = self.server.signed_headers(self.acct, "GET", path)
        sig = hdrs["Authorization"][-64:]
        flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
        hdrs["Authorization"] = hdrs["Authorization"][:-64] + flipped
        self.assert_s3_error(self.server.raw_request("GET", path, headers=hdrs), 403,
                             "SignatureDoesNotMatch")

    def test_signed_parts_altered(self):
        # A signed header changed after signing.
        path = f"/{self.bucket}/altered-header"
        hdrs = self.server.signed_headers(self.acct, "PUT", path, b"x",
                                          headers={"x-amz-meta-owner": "alice"})
        hdrs["x-amz-meta-owner"] = "mallory"
        hdrs["Content-Length"] = "1"
        self.assert_s3_error(self.server.raw_request("PUT", path, body=b"x", headers=hdrs), 403,
                             "SignatureDoesNotMatch")
        self.assertFalse(self.object_exists(self.bucket, "altered-header"))
        # The query string changed after signing.
        hdrs = self.server.signed_headers(self.acct, "GET", f"/{self.bucket}?list-type=2&prefix=a")
        self.assert_s3_error(self.server.raw_request(
            "GET", f"/{self.bucket}?list-type=2&prefix=b", headers=hdrs), 403,
            "SignatureDoesNotMatch")
        # The path changed after signing.
        hdrs = self.server.signed_headers(self.acct, "GET", f"/{self.bucket}/a")
        self.assert_s3_error(self.server.raw_request("GET", f"/{self.bucket}/b", headers=hdrs),
                             403, "SignatureDoesNotMatch")
        # The method changed after signing.
        hdrs = self.server.signed_headers(self.acct, "GET", f"/{self.bucket}/a")
        self.assert_s3_error(self.server.raw_request("DELETE", f"/{self.bucket}/a",
                                                     headers=hdrs), 403, "SignatureDoesNotMatch")

    def test_clock_skew(self):
        path = f"/{self.bucket}?list-type=2"
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        for minutes in (-20, 20):
            with self.subTest(skew_minutes=minutes):
                hdrs = self.server.signed_headers(
                    self.acct, "GET", path, when=now + datetime.timedelta(minutes=minutes))
                self.assert_s3_error(self.server.raw_request("GET", path, headers=hdrs), 403,
                                     "RequestTimeTooSkewed")
        hdrs = self.server.signed_headers(self.acct, "GET", path,
                                          when=now - datetime.timedelta(minutes=2))
        self.assertEqual(self.server.raw_request("GET", path, headers=hdrs)[0], 200)

    def test_scope_date_differs_from_x_amz_date(self):
        path = f"/{self.bucket}?list-type=2"
        hdrs = self.server.signed_headers(self.acct, "GET", path)
        day = hdrs["X-Amz-Date"][:8]
        other_day = (datetime.datetime.strptime(day, "%Y%m%d") -
                     datetime.timedelta(days=1)).strftime("%Y%m%d")
        hdrs["Authorization"] = hdrs["Authorization"].replace(f"/{day}/", f"/{other_day}/")
        status, _, body = self.server.raw_request("GET", path, headers=hdrs)
        self.assertIn((status, harness.xml_error_code(body)),
                      ((403, "SignatureDoesNotMatch"), (400, "AuthorizationHeaderMalformed")),
                      body[:300])

    def test_malformed_authorization_headers(self):
        path = f"/{self.bucket}?list-type=2"
        good = self.server.signed_headers(self.acct, "GET", path)
        cred = f"{self.acct.access_key_id}/{good['X-Amz-Date'][:8]}/us-east-1/s3/aws4_request"
        values = [
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 ",
            "AWS4-HMAC-SHA256 Credential=",
            "AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
            f"AWS4-HMAC-SHA256 Credential={cred}",
            f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=host",
            f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=host, Signature=zz",
            f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=, Signature={'0' * 64}",
            f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=;;;, Signature={'0' * 64}",
            f"AWS4-HMAC-SHA256 Credential={cred}, SignedHeaders=x-not-present;host, "
            f"Signature={'0' * 64}",
            f"AWS4-HMAC-SHA256 Credential={self.acct.access_key_id}, SignedHeaders=host, "
            f"Signature={'0' * 64}",
            f"AWS4-HMAC-SHA256 Credential={self.acct.access_key_id}/a/b/c/d/e/f/g, "
            f"SignedHeaders=host, Signature={'0' * 64}",
            f"AWS4-HMAC-SHA256 Credential={'A' * 5000}/{good['X-Amz-Date'][:8]}/us-east-1/s3/"
            f"aws4_request, SignedHeaders=host, Signature={'0' * 64}",
            f"AWS {self.acct.access_key_id}:c2lnbmF0dXJl",
            "Bearer abc.def.ghi",
            "AWS4-HMAC-SHA512 Credential=x, SignedHeaders=host, Signature=00",
            "\u00e9\u00e9\u00e9",
        ]
        for v in values:
            with self.subTest(authorization=v[:80]):
                hdrs = dict(good)
                hdrs["Authorization"] = v
                res = self.server.raw_request("GET", path, headers=hdrs)
                self.assert_4xx_with_code(res)
                self.assertIn(res[0], (400, 403), res[2][:300])
        hdrs = dict(good)
        del hdrs["X-Amz-Date"]
        self.assert_4xx_with_code(self.server.raw_request("GET", path, headers=hdrs))
        hdrs = dict(good)
        hdrs["X-Amz-Date"] = "not-a-date"
        self.assert_4xx_with_code(self.server.raw_request("GET", path, headers=hdrs))

    def test_presigned_style_garbage(self):
        qs = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=garbage&X-Amz-Date=bad"
              "&X-Amz-Expires=-5&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
        res = self.server.raw_request("GET", f"/{self.bucket}/k?{qs}")
        self.assert_4xx_with_code(res)

    # ----- malformed XML -----------------------------------------------------------------------

    MALFORMED = [
        b"<Delete><Object><Key>a</Key></Obj",
        b"this is not xml at all",
        b"<Delete><Object><Key>a</Key></Object></Delete><Second/>",
        b"<Delete><Object><Key>a</Key></Object>",
        b"\x00\x01\x02\xff\xfe",
        b"<",
    ]

    def post_xml(self, path, body):
        return self.signed("POST", path, body, headers={
            "Content-Type": "application/xml",
            "x-amz-checksum-crc32": crc32_b64(body),
            "x-amz-sdk-checksum-algorithm": "CRC32"})

    def test_malformed_xml_delete_objects(self):
        self.s3.put_object(Bucket=self.bucket, Key="a", Body=b"keep me")
        for body in self.MALFORMED + [b"<Delete></Delete>",
                                      b"<Delete><Object></Object></Delete>"]:
            with self.subTest(body=body[:40]):
                self.assert_s3_error(self.post_xml(f"/{self.bucket}?delete", body), 400,
                                     "MalformedXML")
        with self.subTest(body="empty"):
            self.assert_4xx_with_code(self.post_xml(f"/{self.bucket}?delete", b""))
        self.assertTrue(self.object_exists(self.bucket, "a"), "a malformed DeleteObjects deleted")

    def test_xml_entities_not_expanded(self):
        # The security property: no external entity is read and no entity is expanded. Whether
        # the DTD is refused (4xx) or ignored (the reference stays literal text) is secondary.
        self.s3.put_object(Bucket=self.bucket, Key="a", Body=b"keep me")
        xxe = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
               b'<Delete><Object><Key>&x;</Key></Object></Delete>')
        # Ten levels of ten references each: 10^9 copies of "lol" if expanded.
        entities = [b'<!ENTITY e0 "lol">'] + [
            b'<!ENTITY e%d "%s">' % (i, b"&e%d;" % (i - 1) * 10) for i in range(1, 10)]
        bomb = (b'<?xml version="1.0"?><!DOCTYPE d [' + b"".join(entities) +
                b']><Delete><Object><Key>&e9;</Key></Object></Delete>')
        for label, body in (("external entity", xxe), ("entity expansion", bomb)):
            with self.subTest(label):
                t0 = time.monotonic()
                status, _, resp = self.post_xml(f"/{self.bucket}?delete", body)
                self.assertLess(time.monotonic() - t0, 10, "entity expansion took too long")
                self.assertTrue(400 <= status < 500 or status == 200,
                                f"{label}: HTTP {status} {resp[:300]!r}")
                self.assertNotIn(b"root:", resp)
                self.assertNotIn(b"lollol", resp)
                self.assertLess(len(resp), 64 * 1024)
        self.assertTrue(self.object_exists(self.bucket, "a"))

    def test_malformed_xml_complete_multipart(self):
        key = "mpu-malformed"
        uid = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        part = b"part one"
        etag = self.s3.upload_part(Bucket=self.bucket, Key=key, UploadId=uid, PartNumber=1,
                                   Body=part)["ETag"]
        path = f"/{self.bucket}/{key}?uploadId={uid}"
        for body in self.MALFORMED + [b"<CompleteMultipartUpload><Part><PartNumber>one"
                                      b"</PartNumber></Part></CompleteMultipartUpload>"]:
            with self.subTest(body=body[:40]):
                self.assert_s3_error(self.post_xml(path, body), 400, "MalformedXML")
        # The upload is intact and completes normally afterwards.
        self.assertEqual(len(self.s3.list_parts(Bucket=self.bucket, Key=key,
                                                UploadId=uid)["Parts"]), 1)
        self.s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=uid,
                                          MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                      "ETag": etag}]})
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read(), part)

    def test_malformed_xml_bucket_configs(self):
        for sub in ("versioning", "encryption"):
            for body in self.MALFORMED:
                with self.subTest(subresource=sub, body=body[:40]):
                    res = self.signed("PUT", f"/{self.bucket}?{sub}", body, headers={
                        "x-amz-checksum-crc32": crc32_b64(body),
                        "x-amz-sdk-checksum-algorithm": "CRC32"})
                    self.assert_s3_error(res, 400, "MalformedXML")
        self.assertNotIn("Status", self.s3.get_bucket_versioning(Bucket=self.bucket))

    def test_create_bucket_malformed_configuration(self):
        name = harness.unique_name("bad-cfg")
        res = self.signed("PUT", f"/{name}", b"<CreateBucketConfiguration><LocationConstraint>")
        self.assert_s3_error(res, 400, "MalformedXML")
        self.assertNotIn(name, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])

    # ----- missing authentication ------------------------------------------------------------

    def test_s3_without_auth(self):
        self.s3.put_object(Bucket=self.bucket, Key="private", Body=b"do not leak")
        for method, path, body in (("GET", "/", None),
                                   ("GET", f"/{self.bucket}", None),
                                   ("GET", f"/{self.bucket}?list-type=2", None),
                                   ("GET", f"/{self.bucket}/private", None),
                                   ("PUT", f"/{self.bucket}/anon", b"anonymous"),
                                   ("DELETE", f"/{self.bucket}/private", None),
                                   ("PUT", f"/{harness.unique_name('anon-bucket')}", b"")):
            with self.subTest(method=method, path=path):
                res = self.server.raw_request(method, path, body=body)
                self.assert_s3_error(res, 403, "AccessDenied")
                self.assertNotIn(b"do not leak", res[2])
        self.assertFalse(self.object_exists(self.bucket, "anon"))
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="private")["Body"].read(),
                         b"do not leak")
        status, _, _ = self.server.raw_request("HEAD", f"/{self.bucket}/private")
        self.assertEqual(status, 403)

    def test_json_service_without_auth(self):
        res = self.server.raw_request("POST", "/", body=b"{}", headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "secretsmanager.GetRandomPassword"})
        status, headers, body = res
        self.assertIn(status, (400, 403), body[:300])
        code = json_error_code(headers, body)
        self.assertTrue(code, f"no error code in a JSON form: headers={headers} body={body[:300]!r}")
        doc = json.loads(body)
        self.assertIsInstance(doc, dict)
        self.assertTrue(doc.get("message") or doc.get("Message"), doc)
        self.assertNotIn("RandomPassword", doc)

    def test_sts_without_auth(self):
        res = self.server.raw_request(
            "POST", "/", body=b"Action=GetCallerIdentity&Version=2011-06-15",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        self.assert_4xx_with_code(res)
        self.assertNotIn(b"GetCallerIdentityResult", res[2])

    def test_json_service_bad_bodies(self):
        def call(body, target="secretsmanager.GetRandomPassword"):
            hdrs = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
            return self.signed("POST", "/", body, hdrs, service="secretsmanager")
        for label, res in (("truncated JSON", call(b'{"PasswordLength": ')),
                           ("not an object", call(b'[1, 2, 3]')),
                           ("wrong type", call(b'{"PasswordLength": "six"}')),
                           ("binary", call(b"\xff\xfe\x00")),
                           ("unknown operation", call(b"{}", "secretsmanager.NoSuchOperation")),
                           ("missing target", call(b"{}", ""))):
            with self.subTest(label):
                status, headers, body = res
                self.assertEqual(status, 400, f"{label}: HTTP {status} {body[:300]!r}")
                self.assertTrue(json_error_code(headers, body),
                                f"{label}: no JSON error code: {headers} {body[:300]!r}")

    # ----- unknown operations ------------------------------------------------------------------

    def test_unknown_s3_subresources_and_methods(self):
        self.s3.put_object(Bucket=self.bucket, Key="obj", Body=b"x")
        cases = [
            ("GET", f"/{self.bucket}?website", b""),
            ("PUT", f"/{self.bucket}?lifecycle", b"<LifecycleConfiguration/>"),
            ("GET", f"/{self.bucket}?replication", b""),
            ("GET", f"/{self.bucket}?inventory&id=x", b""),
            ("GET", f"/{self.bucket}/obj?torrent", b""),
            ("POST", f"/{self.bucket}/obj?restore", b"<RestoreRequest><Days>1</Days></RestoreRequest>"),
            ("POST", f"/{self.bucket}/obj?select&select-type=2", b"<SelectObjectContentRequest/>"),
            ("POST", f"/{self.bucket}/obj", b"not a form"),
            ("PATCH", f"/{self.bucket}/obj", b"x"),
            ("OPTIONS", f"/{self.bucket}/obj", b""),
            ("PROPFIND", f"/{self.bucket}", b""),
        ]
        for method, path, body in cases:
            with self.subTest(method=method, path=path):
                res = self.signed(method, path, body)
                status, _, resp = res
                code = harness.xml_error_code(resp)
                # A 4xx with a code, or S3's own 501 NotImplemented (botocore never retries 501);
                # never a bare status, never a retried 5xx.
                self.assertTrue(400 <= status < 500 or (status, code) == (501, "NotImplemented"),
                                f"{method} {path}: expected a 4xx or 501 NotImplemented, got "
                                f"{status} {resp[:200]!r}")
                self.assertTrue(code,
                                f"{method} {path}: HTTP {status} without <Code>: {resp[:200]!r}")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="obj")["Body"].read(), b"x")

    def test_unknown_service_in_scope(self):
        for service in ("foobar", "dynamodb", "s4"):
            with self.subTest(service=service):
                res = self.signed("POST", "/", b"{}", headers={
                    "Content-Type": "application/x-amz-json-1.0",
                    "X-Amz-Target": f"{service}.Anything"}, service=service)
                self.assert_4xx_with_code(res)

    # ----- HTTP framing ----------------------------------------------------------------------

    def test_oversize_request_header(self):
        big = b"a" * (100 * 1024)
        raw = (b"GET /healthz HTTP/1.1\r\nHost: " + self.host().encode() +
               b"\r\nX-Big: " + big + b"\r\n\r\n")
        resp = self.exchange(raw)
        self.assertIn(status_of(resp), (400, 431), f"answer to a 100 KB header: {resp[:200]!r}")

    def test_too_many_headers(self):
        lines = b"".join(b"X-H-%d: %s\r\n" % (i, b"v" * 90) for i in range(3000))
        raw = b"GET /healthz HTTP/1.1\r\nHost: " + self.host().encode() + b"\r\n" + lines + b"\r\n"
        resp = self.exchange(raw)
        self.assertIn(status_of(resp), (400, 431), f"answer to 3000 headers: {resp[:200]!r}")

    def test_oversize_request_target(self):
        raw = (b"GET /" + self.bucket.encode() + b"/" + b"k" * (100 * 1024) +
               b" HTTP/1.1\r\nHost: " + self.host().encode() + b"\r\n\r\n")
        resp = self.exchange(raw)
        self.assertIn(status_of(resp), (400, 414, 431), f"answer to a 100 KB URL: {resp[:200]!r}")

    def test_malformed_framing(self):
        host = self.host().encode()
        # Signed (UNSIGNED-PAYLOAD) PUTs, so that authentication passes and the server must
        # actually frame the body; Content-Length and Transfer-Encoding are never signed.
        path = f"/{self.bucket}/framing"
        hdrs = self.server.signed_headers(self.acct, "PUT", path, b"",
                                          payload_hash="UNSIGNED-PAYLOAD")
        signed = (f"PUT {path} HTTP/1.1\r\nHost: {self.host()}\r\n" +
                  "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())).encode()
        rejected = {
            "non-numeric Content-Length": (
                signed + b"Content-Length: abc\r\n\r\n", (400,)),
            "negative Content-Length": (
                signed + b"Content-Length: -5\r\n\r\n", (400,)),
            "conflicting Content-Lengths": (
                signed + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", (400,)),
            "bad chunk size": (
                signed + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", (400,)),
            "huge chunk size": (
                signed + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n",
                (400, 413)),
            "chunk longer than declared": (
                signed + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", (400,)),
            "unknown transfer coding": (
                signed + b"Transfer-Encoding: gzip\r\n\r\nabc", (400, 501)),
            "header without colon": (
                b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\nNoColonHere\r\n\r\n",
                (400,)),
            "space before colon": (
                b"GET /healthz HTTP/1.1\r\nHost : " + host + b"\r\n\r\n", (400,)),
        }
        for label, (raw, allowed) in rejected.items():
            with self.subTest(label):
                resp = self.exchange(raw, half_close=True)
                self.assertIn(status_of(resp), allowed, f"{label}: {resp[:300]!r}")
        self.assertFalse(self.object_exists(self.bucket, "framing"),
                         "a request with broken framing stored an object")
        # RFC 9112 6.3: with both Content-Length and Transfer-Encoding, reject, or use the
        # chunked framing alone and close the connection afterwards (request smuggling).
        resp = self.exchange(signed + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"0\r\n\r\n", half_close=True)
        st = status_of(resp)
        self.assertIn(st, (400, 200), resp[:300])
        if st == 200:
            head = resp.split(b"\r\n\r\n", 1)[0].lower()
            self.assertIn(b"connection: close", head,
                          "Content-Length + Transfer-Encoding accepted on a kept-alive connection")
        # Garbage may be answered with 400 or the connection may just be closed.
        may_close = {
            "binary garbage": b"\x00\x01\x02GARBAGE\xff\r\n\r\n",
            "no request target": b"GET\r\n\r\n",
            "HTTP/9.9": b"GET /healthz HTTP/9.9\r\nHost: " + host + b"\r\n\r\n",
            "lone CRs": b"\r\r\r\r\r\r\r\r",
            "NUL in path": b"GET /a\x00b HTTP/1.1\r\nHost: " + host + b"\r\n\r\n",
        }
        for label, raw in may_close.items():
            with self.subTest(label):
                resp = self.exchange(raw, half_close=True)
                st = status_of(resp)
                self.assertTrue(resp == b"" or st in (400, 404, 505),
                                f"{label}: unexpected answer {resp[:200]!r}")
            self.server.assert_healthy()

    def test_invalid_percent_encoding(self):
        for path in (f"/{self.bucket}/%zz", f"/{self.bucket}/%", f"/{self.bucket}/%C3%28",
                     f"/{self.bucket}?prefix=%zz&list-type=2"):
            with self.subTest(path=path):
                res = self.signed("GET", path)
                self.assert_4xx_with_code(res)

    def test_pipelined_and_keepalive_requests(self):
        host = self.host().encode()
        raw = (b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\n\r\n") * 3
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(raw)
            data = b""
            deadline = time.monotonic() + 10
            while data.count(b"HTTP/1.1 200") < 3 and time.monotonic() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        first_head = data.split(b"\r\n\r\n", 1)[0].lower()
        if b"connection: close" not in first_head:
            # A server that keeps the connection open must answer every pipelined request.
            self.assertEqual(data.count(b"HTTP/1.1 200"), 3, data[:500])
        else:
            self.assertEqual(data.count(b"HTTP/1.1 200"), 1, data[:500])
        # An error response leaves a keep-alive connection usable.
        conn = self.server.connection()
        try:
            path = f"/{self.bucket}/no-such-key"
            conn.request("GET", path, headers=self.server.signed_headers(self.acct, "GET", path))
            r = conn.getresponse()
            self.assertEqual((r.status, harness.xml_error_code(r.read())), (404, "NoSuchKey"))
            path = f"/{self.bucket}/ka"
            conn.request("PUT", path, body=b"keepalive",
                         headers=self.server.signed_headers(self.acct, "PUT", path, b"keepalive"))
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
            conn.request("GET", path, headers=self.server.signed_headers(self.acct, "GET", path))
            r = conn.getresponse()
            self.assertEqual((r.status, r.read()), (200, b"keepalive"))
        finally:
            conn.close()

    # ----- interrupted uploads -----------------------------------------------------------------

    def half_put(self, path, total, sent, expect_continue):
        body = os.urandom(total)
        hdrs = self.server.signed_headers(self.acct, "PUT", path, body)
        hdrs["Content-Length"] = str(total)
        hdrs["Host"] = self.host()
        if expect_continue:
            hdrs["Expect"] = "100-continue"
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(head.encode() + b"\r\n")
            if expect_continue:
                s.settimeout(2)
                try:
                    s.recv(1024)
                except socket.timeout:
                    pass
            s.sendall(body[:sent])
            time.sleep(0.2)
        # Closed without sending the rest.

    def settle(self, before_tmp, before_files):
        def settled():
            return (self.tmp_files() <= before_tmp and
                    not (self.data_files() - before_files))
        harness.wait_until(settled, timeout=15)

    def test_half_put_then_disconnect_leaves_nothing(self):
        for bucket in (self.bucket, self.sse_bucket):
            for expect in (False, True):
                with self.subTest(bucket=bucket, expect_continue=expect):
                    key = f"half-{int(expect)}"
                    before_tmp, before_files = self.tmp_files(), self.data_files()
                    self.half_put(f"/{bucket}/{key}", 2 * MiB, 700 * 1024, expect)
                    self.settle(before_tmp, before_files)
                    self.assertFalse(self.object_exists(bucket, key))
                    self.assertEqual(self.tmp_files() - before_tmp, set(),
                                     "partial upload left temp files in the data dir")
                    self.assertEqual(self.data_files() - before_files, set(),
                                     "partial upload left new files in the data dir")
                    self.assertNotIn(key, [c["Key"] for c in self.s3.list_objects_v2(
                        Bucket=bucket).get("Contents", [])])

    def test_half_put_does_not_clobber_existing_object(self):
        for bucket in (self.bucket, self.sse_bucket):
            with self.subTest(bucket=bucket):
                original = os.urandom(300 * 1024)
                self.s3.put_object(Bucket=bucket, Key="existing", Body=original)
                before_tmp, before_files = self.tmp_files(), self.data_files()
                self.half_put(f"/{bucket}/existing", MiB, 200 * 1024, False)
                self.settle(before_tmp, before_files)
                got = self.s3.get_object(Bucket=bucket, Key="existing")["Body"].read()
                self.assertTrue(got == original, "interrupted overwrite changed the object")
                self.assertEqual(self.tmp_files() - before_tmp, set())

    def test_half_upload_part(self):
        key = "half-part"
        uid = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        before_tmp = self.tmp_files()
        self.half_put(f"/{self.bucket}/{key}?partNumber=1&uploadId={uid}", MiB, 100 * 1024, False)
        harness.wait_until(lambda: self.tmp_files() <= before_tmp, timeout=15)
        self.assertEqual(self.s3.list_parts(Bucket=self.bucket, Key=key,
                                            UploadId=uid).get("Parts", []), [])
        self.assertEqual(self.tmp_files() - before_tmp, set())
        self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=uid)

    def test_body_shorter_than_content_length_then_idle(self):
        # The client stops sending but keeps the socket open; other clients are unaffected.
        path = f"/{self.bucket}/stalled"
        body = b"s" * 1000
        hdrs = self.server.signed_headers(self.acct, "PUT", path, body)
        hdrs["Content-Length"] = str(len(body))
        hdrs["Host"] = self.host()
        head = f"PUT {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(head.encode() + b"\r\n" + body[:10])
            t0 = time.monotonic()
            self.s3.put_object(Bucket=self.bucket, Key="while-stalled", Body=b"ok")
            self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="while-stalled")[
                "Body"].read(), b"ok")
            self.assertLess(time.monotonic() - t0, 5, "a stalled client blocked other requests")
        self.assertFalse(self.object_exists(self.bucket, "stalled"))

    # ----- concurrency and the final check -----------------------------------------------------

    def test_concurrent_clients(self):
        errors = []

        def worker(n):
            try:
                s3 = self.server.client("s3", self.acct)
                for i in range(15):
                    data = os.urandom(1000 + n * 100 + i)
                    key = f"conc/{n}/{i}"
                    s3.put_object(Bucket=self.sse_bucket, Key=key, Body=data)
                    if s3.get_object(Bucket=self.sse_bucket, Key=key)["Body"].read() != data:
                        errors.append(f"{key}: content mismatch")
            except Exception as e:  # collected and reported below
                errors.append(f"worker {n}: {e!r}")

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        self.assertFalse([t for t in threads if t.is_alive()], "workers hung")
        self.assertFalse(errors, errors[:5])
        keys = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.sse_bucket,
                                                                      Prefix="conc/"):
            keys += [c["Key"] for c in page.get("Contents", [])]
        self.assertEqual(len(keys), 8 * 15)

    def test_zz_valid_requests_still_work(self):
        # Runs last (alphabetical order): the server survived everything above.
        self.s3.put_object(Bucket=self.bucket, Key="final", Body=b"still alive")
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="final")["Body"].read(),
                         b"still alive")
        out = self.server.client("sts", self.acct).get_caller_identity()
        self.assertEqual(out["Account"], self.acct.account_id)
        res = self.server.aws(self.acct, "s3", "ls", f"s3://{self.bucket}")
        self.assertIn("final", res.stdout)
        self.server.assert_healthy()


if __name__ == "__main__":
    unittest.main()
