"""Identity, credentials and the admin CLI: STS, Secrets Manager GetRandomPassword, SigV4
rejection paths, account/key management, and how secrets are kept in the data dir."""

import json
import os
import stat
import string
import unittest

import harness
from harness import ServerTestCase

PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


class StsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.server.create_account()
        cls.b = cls.server.create_account()

    def test_get_caller_identity_two_accounts(self):
        ids = {}
        for acct in (self.a, self.b):
            out = self.server.aws_json(acct, "sts", "get-caller-identity")
            self.assertRegex(out.get("Account", ""), r"^\d{12}$", out)
            self.assertEqual(out["Account"], acct.account_id,
                             "Account must be the account the CLI created the key for")
            self.assertEqual(out.get("Arn"), f"arn:aws:iam::{acct.account_id}:root", out)
            self.assertTrue(out.get("UserId"), f"UserId missing: {out}")
            ids[acct.name] = out["Account"]
        self.assertNotEqual(ids[self.a.name], ids[self.b.name])
        self.assertNotEqual(self.a.account_id, self.admin.account_id)

    def test_recipe_account_id_query(self):
        # export AWS_ACCOUNT_ID=$(aws sts get-caller-identity --query Account --output text)
        res = self.server.aws(self.a, "sts", "get-caller-identity", "--query", "Account",
                              "--output", "text")
        self.assertEqual(res.stdout, f"{self.a.account_id}\n")

    def test_boto3_get_caller_identity(self):
        out = self.server.client("sts", self.b).get_caller_identity()
        self.assertEqual(out["Account"], self.b.account_id)
        self.assertEqual(out["Arn"], f"arn:aws:iam::{self.b.account_id}:root")

    def test_admin_account_is_twelve_digits(self):
        self.assertRegex(self.admin.account_id, r"^\d{12}$")
        out = self.server.client("sts", self.admin).get_caller_identity()
        self.assertEqual(out["Account"], self.admin.account_id)

    def test_request_log_lines(self):
        self.server.client("sts", self.a).get_caller_identity()
        recs = harness.wait_until(
            lambda: [r for r in self.server.log_records()
                     if r.get("service") == "sts" and r.get("account") == self.a.account_id],
            timeout=5)
        self.assertTrue(recs, "no JSON log line on stderr for the sts request of account "
                        f"{self.a.account_id}; stderr tail:\n{self.server.stderr_tail()}")
        rec = recs[-1]
        for field in ("account", "service", "operation", "status", "latency_ms"):
            self.assertIn(field, rec, f"log record lacks {field}: {rec}")
        self.assertEqual(rec["operation"], "GetCallerIdentity")
        self.assertEqual(int(rec["status"]), 200)
        self.assertIsInstance(rec["latency_ms"], (int, float))


class RandomPasswordTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()
        cls.sm = cls.server.client("secretsmanager", cls.acct)

    def test_recipe_command(self):
        seen = set()
        for _ in range(4):
            res = self.server.aws(
                self.acct, "secretsmanager", "get-random-password", "--exclude-punctuation",
                "--exclude-uppercase", "--password-length", "6", "--require-each-included-type",
                "--output", "text", "--query", "RandomPassword")
            self.assertTrue(res.stdout.endswith("\n"), repr(res.stdout))
            pw = res.stdout[:-1]
            self.assertRegex(pw, r"^[a-z0-9]{6}$")
            self.assertRegex(pw, r"[a-z]", f"{pw!r} lacks a lower-case letter")
            self.assertRegex(pw, r"[0-9]", f"{pw!r} lacks a digit")
            seen.add(pw)
        self.assertGreater(len(seen), 1, "four calls returned the same password")

    def gen(self, **kw):
        return self.sm.get_random_password(**kw)["RandomPassword"]

    def test_default_length_and_charset(self):
        pw = self.gen()
        self.assertEqual(len(pw), 32)
        allowed = set(string.ascii_letters + string.digits) | PUNCTUATION
        self.assertTrue(set(pw) <= allowed, f"unexpected characters in {pw!r}")
        # AWS: without the switch "the password contains at least one of every character type".
        for label, chars in (("lower", string.ascii_lowercase), ("upper", string.ascii_uppercase),
                             ("digit", string.digits), ("punctuation", PUNCTUATION)):
            self.assertTrue(any(c in chars for c in pw), f"{pw!r} has no {label} character")
        self.assertNotEqual(self.gen(), pw)

    def test_lengths(self):
        for n in (4, 100, 4096):
            with self.subTest(length=n):
                self.assertEqual(len(self.gen(PasswordLength=n)), n)
        pw = self.gen(PasswordLength=1, ExcludeUppercase=True, ExcludeNumbers=True,
                      ExcludePunctuation=True)
        self.assertRegex(pw, r"^[a-z]$")

    def test_length_out_of_range_rejected(self):
        # botocore checks only the model minimum client-side; the maximum (4096) is the server's.
        self.assertClientError(self.gen, ("InvalidParameterException", "ValidationException"),
                               400, PasswordLength=4097)

    def test_exclude_each_type(self):
        cases = {
            "ExcludeNumbers": lambda c: c.isdigit(),
            "ExcludeLowercase": lambda c: c in string.ascii_lowercase,
            "ExcludeUppercase": lambda c: c in string.ascii_uppercase,
            "ExcludePunctuation": lambda c: c in PUNCTUATION,
        }
        for option, forbidden in cases.items():
            with self.subTest(option=option):
                pw = self.gen(PasswordLength=512, **{option: True})
                self.assertEqual(len(pw), 512)
                bad = [c for c in pw if forbidden(c)]
                self.assertFalse(bad, f"{option}: found {bad[:5]} in the password")

    def test_only_digits(self):
        pw = self.gen(PasswordLength=64, ExcludeLowercase=True, ExcludeUppercase=True,
                      ExcludePunctuation=True)
        self.assertRegex(pw, r"^[0-9]{64}$")

    def test_exclude_characters(self):
        excluded = "abcdefABCDEF012345!@#"
        pw = self.gen(PasswordLength=1024, ExcludeCharacters=excluded)
        self.assertFalse(set(pw) & set(excluded), f"excluded characters present: {set(pw) & set(excluded)}")

    def test_include_space(self):
        # 4096 characters drawn from ~95 symbols: the chance of no space at all is about e^-43.
        pw = self.gen(PasswordLength=4096, IncludeSpace=True)
        self.assertIn(" ", pw)
        self.assertNotIn(" ", self.gen(PasswordLength=4096))

    def test_require_each_included_type(self):
        for _ in range(20):
            pw = self.gen(PasswordLength=4, RequireEachIncludedType=True)
            self.assertTrue(any(c in string.ascii_lowercase for c in pw), pw)
            self.assertTrue(any(c in string.ascii_uppercase for c in pw), pw)
            self.assertTrue(any(c.isdigit() for c in pw), pw)
            self.assertTrue(any(c in PUNCTUATION for c in pw), pw)
        for _ in range(20):
            pw = self.gen(PasswordLength=6, RequireEachIncludedType=True, ExcludeUppercase=True,
                          ExcludePunctuation=True)
            self.assertRegex(pw, r"^(?=.*[a-z])(?=.*[0-9])[a-z0-9]{6}$")

    def test_impossible_requests_rejected(self):
        with self.subTest("all character types excluded"):
            self.assertClientError(
                self.gen, ("InvalidParameterException", "ValidationException",
                           "InvalidRequestException"), 400,
                ExcludeNumbers=True, ExcludeLowercase=True, ExcludeUppercase=True,
                ExcludePunctuation=True)
        with self.subTest("fewer characters than required types"):
            self.assertClientError(
                self.gen, ("InvalidParameterException", "ValidationException",
                           "InvalidRequestException"), 400,
                PasswordLength=3, RequireEachIncludedType=True)


class RejectedCredentialsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()
        cls.wrong_secret = cls.acct.with_key(cls.acct.access_key_id,
                                             cls.acct.secret_access_key[:-4] + "XXXX")
        cls.unknown_key = cls.acct.with_key("AKIA" + "Z" * 16, cls.acct.secret_access_key)

    def test_wrong_secret_s3(self):
        s3 = self.server.client("s3", self.wrong_secret)
        self.assertClientError(s3.list_buckets, "SignatureDoesNotMatch", 403)

    def test_wrong_secret_sts(self):
        sts = self.server.client("sts", self.wrong_secret)
        self.assertClientError(sts.get_caller_identity, "SignatureDoesNotMatch", 403)

    def test_wrong_secret_secretsmanager(self):
        sm = self.server.client("secretsmanager", self.wrong_secret)
        self.assertClientError(sm.get_random_password, "InvalidSignatureException")

    def test_wrong_secret_cli(self):
        res = self.server.aws(self.wrong_secret, "sts", "get-caller-identity", check=False)
        self.assertEqual(res.returncode, 255, res.stderr)
        self.assertIn("SignatureDoesNotMatch", res.stderr)
        res = self.server.aws(self.wrong_secret, "s3", "ls", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("SignatureDoesNotMatch", res.stderr)

    def test_unknown_key_s3(self):
        s3 = self.server.client("s3", self.unknown_key)
        self.assertClientError(s3.list_buckets, "InvalidAccessKeyId", 403)

    def test_unknown_key_sts(self):
        sts = self.server.client("sts", self.unknown_key)
        self.assertClientError(sts.get_caller_identity, "InvalidClientTokenId", 403)

    def test_unknown_key_secretsmanager(self):
        sm = self.server.client("secretsmanager", self.unknown_key)
        self.assertClientError(sm.get_random_password, "UnrecognizedClientException")

    def test_correct_key_still_works(self):
        out = self.server.client("sts", self.acct).get_caller_identity()
        self.assertEqual(out["Account"], self.acct.account_id)


class AdminCliTest(ServerTestCase):

    def test_account_create_and_list(self):
        name = harness.unique_name("org-a")
        acct = self.server.create_account(name)
        self.assertEqual(acct.name, name)
        self.assertRegex(acct.account_id, r"^\d{12}$")
        self.assertRegex(acct.access_key_id, r"^[A-Z0-9]{16,128}$")
        self.assertGreaterEqual(len(acct.secret_access_key), 20)
        listing = self.server.cli_json("admin", "account", "list")
        by_id = {a["AccountId"]: a for a in listing["Accounts"]}
        self.assertIn(acct.account_id, by_id)
        self.assertEqual(by_id[acct.account_id]["Name"], name)
        self.assertIs(by_id[acct.account_id]["Admin"], False)
        self.assertTrue(by_id[acct.account_id].get("CreatedAt"))
        self.assertIn(self.admin.account_id, by_id, "bootstrap admin account missing from list")
        self.assertIs(by_id[self.admin.account_id]["Admin"], True)
        # The new key works right away.
        ident = self.server.client("sts", acct).get_caller_identity()
        self.assertEqual(ident["Account"], acct.account_id)

    def test_account_ids_unique(self):
        ids = {self.server.create_account().account_id for _ in range(3)}
        self.assertEqual(len(ids), 3)

    def test_cli_with_endpoint_and_credentials_file(self):
        out = self.server.cli_json("admin", "account", "list", via_data_dir=False)
        self.assertIn(self.admin.account_id, [a["AccountId"] for a in out["Accounts"]])

    def test_key_lifecycle(self):
        acct = self.server.create_account()
        created = self.server.cli_json("admin", "key", "create", "--account-id", acct.account_id)
        self.assertEqual(created["AccountId"], acct.account_id)
        self.assertEqual(created["Status"], "Active")
        self.assertNotEqual(created["AccessKeyId"], acct.access_key_id)
        second = acct.with_key(created["AccessKeyId"], created["SecretAccessKey"])

        # Both keys act as the same account.
        for key in (acct, second):
            self.assertEqual(self.server.client("sts", key).get_caller_identity()["Account"],
                             acct.account_id)

        res = self.server.run_cli("admin", "key", "list", "--account-id", acct.account_id)
        self.assertNotIn(acct.secret_access_key, res.stdout, "key list printed a secret")
        self.assertNotIn(second.secret_access_key, res.stdout, "key list printed a secret")
        keys = {k["AccessKeyId"]: k for k in json.loads(res.stdout)["AccessKeys"]}
        self.assertEqual(set(keys), {acct.access_key_id, second.access_key_id})
        for k in keys.values():
            self.assertEqual(k["AccountId"], acct.account_id)
            self.assertEqual(k["Status"], "Active")
            self.assertTrue(k.get("CreatedAt"))
            self.assertNotIn("SecretAccessKey", k)

        everything = self.server.cli_json("admin", "key", "list")
        all_ids = {k["AccessKeyId"] for k in everything["AccessKeys"]}
        self.assertTrue({acct.access_key_id, second.access_key_id, self.admin.access_key_id}
                        <= all_ids, "key list without --account-id must list every account's keys")

        # Disable the first key: rejected everywhere; the second key keeps working.
        self.assertEqual(self.server.cli_json("admin", "key", "disable", "--access-key-id",
                                              acct.access_key_id), {})
        keys = {k["AccessKeyId"]: k for k in self.server.cli_json(
            "admin", "key", "list", "--account-id", acct.account_id)["AccessKeys"]}
        self.assertEqual(keys[acct.access_key_id]["Status"], "Inactive")
        self.assertEqual(keys[second.access_key_id]["Status"], "Active")
        self.assertClientError(self.server.client("s3", acct).list_buckets,
                               "InvalidAccessKeyId", 403)
        self.assertClientError(self.server.client("secretsmanager", acct).get_random_password,
                               "UnrecognizedClientException")
        self.assertClientError(self.server.client("sts", acct).get_caller_identity,
                               "InvalidClientTokenId", 403)
        res = self.server.aws(acct, "s3", "ls", check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("InvalidAccessKeyId", res.stderr)
        self.assertEqual(self.server.client("sts", second).get_caller_identity()["Account"],
                         acct.account_id)

        # Delete the second key: gone from the list and rejected.
        self.assertEqual(self.server.cli_json("admin", "key", "delete", "--access-key-id",
                                              second.access_key_id), {})
        keys = {k["AccessKeyId"] for k in self.server.cli_json(
            "admin", "key", "list", "--account-id", acct.account_id)["AccessKeys"]}
        self.assertNotIn(second.access_key_id, keys)
        self.assertClientError(self.server.client("s3", second).list_buckets,
                               "InvalidAccessKeyId", 403)
        self.assertClientError(self.server.client("secretsmanager", second).get_random_password,
                               "UnrecognizedClientException")

    def test_key_commands_on_unknown_ids_fail(self):
        res = self.server.run_cli("admin", "key", "create", "--account-id", "999999999999",
                                  check=False)
        self.assertNotEqual(res.returncode, 0, res.stdout)
        self.assertTrue(res.stderr.strip(), "failure must explain itself on stderr")
        res = self.server.run_cli("admin", "key", "disable", "--access-key-id",
                                  "AKIA" + "Q" * 16, check=False)
        self.assertNotEqual(res.returncode, 0, res.stdout)
        self.assertTrue(res.stderr.strip())

    def test_non_admin_denied(self):
        acct = self.server.create_account()
        other = self.server.create_account()
        creds = self.server.write_credentials_file(acct, self.tmp)
        commands = [
            ("admin", "account", "list"),
            ("admin", "account", "create", "--name", harness.unique_name("sneaky")),
            ("admin", "key", "create", "--account-id", other.account_id),
            ("admin", "key", "create", "--account-id", acct.account_id),
            ("admin", "key", "list"),
            ("admin", "key", "list", "--account-id", other.account_id),
            ("admin", "key", "disable", "--access-key-id", other.access_key_id),
            ("admin", "key", "delete", "--access-key-id", other.access_key_id),
        ]
        for cmd in commands:
            with self.subTest(cmd=" ".join(cmd)):
                res = self.server.run_cli(*cmd, credentials_file=creds, check=False)
                self.assertNotEqual(res.returncode, 0, f"non-admin succeeded: {res.stdout}")
                self.assertIn("AccessDenied", res.stderr)
        # Nothing above took effect: the other account's key still works.
        self.assertEqual(self.server.client("sts", other).get_caller_identity()["Account"],
                         other.account_id)
        names = [a["Name"] for a in self.server.cli_json("admin", "account", "list")["Accounts"]]
        self.assertFalse([n for n in names if n.startswith("sneaky-")])

    def test_cli_with_bad_credentials_fails(self):
        bogus = self.admin.with_key(self.admin.access_key_id, "x" * 40)
        creds = self.server.write_credentials_file(bogus, self.tmp)
        res = self.server.run_cli("admin", "account", "list", credentials_file=creds, check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertTrue(res.stderr.strip())


class DataDirSecretsTest(ServerTestCase):

    def mode(self, path):
        return stat.S_IMODE(os.stat(path).st_mode)

    def test_admin_credentials_file(self):
        path = self.server.admin_credentials_path
        self.assertEqual(self.mode(path), 0o600, f"{path} has mode {oct(self.mode(path))}")
        with open(path) as f:
            text = f.read()
        self.assertRegex(text, r"(?m)^\[default\]$")
        self.assertRegex(text, r"(?m)^aws_access_key_id = \S+$")
        self.assertRegex(text, r"(?m)^aws_secret_access_key = \S+$")
        self.assertRegex(text, r"(?m)^# account_id = \d{12}$")
        # Printed once on stdout at first start.
        out = self.server.stdout_text(0)
        self.assertIn(self.admin.access_key_id, out)
        self.assertIn(self.admin.secret_access_key, out)

    def test_master_key_file_mode(self):
        candidates = [p for p in harness.walk_files(self.server.data_dir)
                      if "master" in os.path.basename(p).lower()]
        self.assertTrue(candidates, "no master key file (name containing 'master') in the data dir: "
                        f"{os.listdir(self.server.data_dir)}")
        for p in candidates:
            self.assertEqual(self.mode(p), 0o600, f"{p} has mode {oct(self.mode(p))}")

    def test_data_dir_not_world_readable_secrets(self):
        # No file in the data dir may be writable by group/others.
        for p in harness.walk_files(self.server.data_dir):
            self.assertFalse(self.mode(p) & 0o022, f"{p} is group/other-writable: {oct(self.mode(p))}")

    def _assert_secret_absent(self, secret, label):
        needle = secret.encode()
        hits = [p for p in harness.files_containing(self.server.data_dir, needle)
                if os.path.abspath(p) != os.path.abspath(self.server.admin_credentials_path)]
        self.assertFalse(hits, f"{label} secret key stored in plaintext in {hits}")

    def test_secrets_not_stored_in_plaintext(self):
        acct = self.server.create_account()
        extra = self.server.cli_json("admin", "key", "create", "--account-id", acct.account_id)
        # Use the keys so any per-request caching has happened.
        self.server.client("sts", acct).get_caller_identity()
        secrets_to_check = {"admin": self.admin.secret_access_key,
                            "account": acct.secret_access_key,
                            "second key": extra["SecretAccessKey"]}
        for label, secret in secrets_to_check.items():
            with self.subTest(f"running, {label}"):
                self._assert_secret_absent(secret, label)
        # After a clean stop (SQLite checkpoints its WAL) and again after a restart.
        self.server.stop(check=True)
        for label, secret in secrets_to_check.items():
            with self.subTest(f"stopped, {label}"):
                self._assert_secret_absent(secret, label)
        self.server.start()
        self.assertEqual(self.server.client("sts", acct).get_caller_identity()["Account"],
                         acct.account_id)
        for label, secret in secrets_to_check.items():
            with self.subTest(f"restarted, {label}"):
                self._assert_secret_absent(secret, label)
        # The server's own log never carries a secret either.
        log = self.server.stderr_text()
        for label, secret in secrets_to_check.items():
            self.assertNotIn(secret, log, f"{label} secret appears in the server log")

    def test_restart_keeps_admin_credentials_and_does_not_reprint(self):
        before = self.server.read_admin_credentials()
        self.server.restart()
        after = self.server.read_admin_credentials()
        self.assertEqual(before, after)
        self.assertNotIn(before.secret_access_key, self.server.stdout_text(self.server.starts - 1),
                         "admin secret printed again on a later start")
        self.assertEqual(self.server.client("sts", after).get_caller_identity()["Account"],
                         after.account_id)


if __name__ == "__main__":
    unittest.main()
