"""Presigned SigV4 URLs (query-string authentication) for S3 object and bucket requests."""

import urllib.error
import urllib.request
import unittest

import harness


class PresignedUrlTest(harness.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = cls.server.create_account()
        cls.other = cls.server.create_account()
        cls.s3 = cls.server.client("s3", cls.owner, signature_version="s3v4")
        cls.bucket = harness.unique_name("presigned")
        cls.s3.create_bucket(Bucket=cls.bucket)

    def fetch(self, url, method="GET", data=None):
        req = urllib.request.Request(url, method=method, data=data)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_presigned_get_and_put_of_an_object(self):
        body = b"presigned payload \xe2\x9c\x93"
        put_url = self.s3.generate_presigned_url(
            "put_object", Params={"Bucket": self.bucket, "Key": "dir/p.bin"}, ExpiresIn=300)
        status, _ = self.fetch(put_url, method="PUT", data=body)
        self.assertEqual(status, 200)
        get_url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "dir/p.bin"}, ExpiresIn=300)
        status, got = self.fetch(get_url)
        self.assertEqual((status, got), (200, body))

    def test_presigned_list_of_a_bucket(self):
        self.s3.put_object(Bucket=self.bucket, Key="listed.txt", Body=b"x")
        url = self.s3.generate_presigned_url(
            "list_objects_v2", Params={"Bucket": self.bucket}, ExpiresIn=300)
        status, got = self.fetch(url)
        self.assertEqual(status, 200)
        self.assertIn(b"<Key>listed.txt</Key>", got)

    def test_tampered_or_foreign_presigned_urls_are_refused(self):
        self.s3.put_object(Bucket=self.bucket, Key="secret.txt", Body=b"only mine")
        url = self.s3.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "secret.txt"}, ExpiresIn=300)
        tampered = url.replace("secret.txt", "secret.tx2")
        status, got = self.fetch(tampered)
        self.assertEqual(status, 403)
        self.assertEqual(harness.xml_error_code(got), "SignatureDoesNotMatch")
        # Another account's correctly signed URL does not open this account's bucket.
        foreign = self.server.client("s3", self.other, signature_version="s3v4")
        url = foreign.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": "secret.txt"}, ExpiresIn=300)
        status, got = self.fetch(url)
        self.assertEqual(status, 403)
        self.assertEqual(harness.xml_error_code(got), "AccessDenied")
        self.assertNotIn(b"only mine", got)


if __name__ == "__main__":
    unittest.main()
