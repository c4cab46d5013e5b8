"""Shared harness for the end-to-end tests.

Starts the real `cleanroomd` on 127.0.0.1:0 with a fresh temporary data dir, creates accounts
through the `cleanroom` admin CLI, and drives the server with the AWS CLI (as a subprocess) and
boto3. Paths to the two binaries come from the CLEANROOMD and CLEANROOM_CLI environment
variables (CTest sets them; see CMakeLists.txt).

Everything is hermetic: no fixed ports, every temp dir is removed, every subprocess call has a
timeout, and nothing but loopback is contacted.
"""

import configparser
import datetime
import glob
import hashlib
import http.client
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
from dataclasses import dataclass

import boto3
import botocore.auth
import botocore.config
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"

START_TIMEOUT_S = float(os.environ.get("CLEANROOM_E2E_START_TIMEOUT", "30"))
STOP_TIMEOUT_S = float(os.environ.get("CLEANROOM_E2E_STOP_TIMEOUT", "30"))
CLI_TIMEOUT_S = 60
# The AWS CLI v1 executable; CTest passes the path it found at configure time.
AWS_CLI = os.environ.get("CLEANROOM_AWS_CLI") or "aws"
AWS_TIMEOUT_S = 180

# Text that a sanitizer or a crashing C++ runtime prints on stderr. Finding any of it in the
# server's stderr fails the test, even if every request was answered correctly.
CRASH_MARKERS = (
    "AddressSanitizer",
    "LeakSanitizer",
    "ThreadSanitizer",
    "UndefinedBehaviorSanitizer",
    "runtime error:",
    "terminate called",
    "Segmentation fault",
    "stack-buffer-overflow",
    "heap-use-after-free",
)

# Keep boto3 in this process away from any real AWS configuration on the machine.
for _name in list(os.environ):
    if _name.startswith("AWS_"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = "/nonexistent/cleanroom-e2e/config"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/cleanroom-e2e/credentials"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"


def _binary(var):
    path = os.environ.get(var)
    if not path:
        raise RuntimeError(f"environment variable {var} is not set (path to the binary under test)")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{var}={path} is not an executable file")
    return path


def cleanroomd_path():
    return _binary("CLEANROOMD")


def cli_path():
    return _binary("CLEANROOM_CLI")


_name_counter = itertools.count(1)


def unique_name(prefix):
    """A fresh lower-case name usable as an S3 bucket name or account name."""
    return f"{prefix}-{next(_name_counter)}-{secrets.token_hex(4)}"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def multipart_etag(data_or_path, part_size):
    """The S3 ETag of a multipart object: md5 of the concatenated part md5s, then '-N'."""
    digests = []
    if isinstance(data_or_path, (bytes, bytearray)):
        for off in range(0, len(data_or_path), part_size):
            digests.append(hashlib.md5(data_or_path[off:off + part_size]).digest())
    else:
        with open(data_or_path, "rb") as f:
            for block in iter(lambda: f.read(part_size), b""):
                digests.append(hashlib.md5(block).digest())
    return f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(digests)}"'


def walk_files(root):
    """Every regular file under root (absolute paths)."""
    out = []
    for dirpath, _dirnames, filenames in os.walk(root):
        for fn in filenames:
            p = os.path.join(dirpath, fn)
            if os.path.isfile(p) and not os.path.islink(p):
                out.append(p)
    return out


def files_containing(root, needle, chunk=8 << 20):
    """Files under root whose bytes contain `needle` (scanned in overlapping chunks)."""
    hits = []
    overlap = len(needle) - 1
    for p in walk_files(root):
        try:
            with open(p, "rb") as f:
                tail = b""
                while True:
                    block = f.read(chunk)
                    if not block:
                        break
                    if needle in tail + block:
                        hits.append(p)
                        break
                    tail = (tail + block)[-overlap:] if overlap > 0 else b""
        except OSError:
            # A file that vanished while scanning (e.g. a temp file) cannot hold anything.
            continue
    return hits


@dataclass
class Account:
    account_id: str
    name: str
    access_key_id: str
    secret_access_key: str

    def with_key(self, access_key_id, secret_access_key):
        return Account(self.account_id, self.name, access_key_id, secret_access_key)


class CliError(AssertionError):
    pass


class Server:
    """One cleanroomd process with its own data dir.

    Layout: a private temp root holding `data/` (the --data-dir), plus the server's captured
    stdout/stderr, so that a file written outside the data dir is visible as a sibling of data/.
    """

    def __init__(self, extra_args=(), env=None, clock_offset=None):
        self.root = tempfile.mkdtemp(prefix="cleanroom-e2e-")
        self.data_dir = os.path.join(self.root, "data")
        self.log_dir = tempfile.mkdtemp(prefix="cleanroom-e2e-logs-")
        self.extra_args = list(extra_args)
        # Extra environment variables of the server process (e.g. faketime_env()), on top of
        # this process's environment; read at every start, so a test may change it between
        # restarts.
        self.env = dict(env or {})
        # If set, seconds by which the wall clock of cleanroomd, and of the `cleanroom` and `aws`
        # commands run for it here, is shifted (libfaketime, see faketime_env); read at every
        # start and command. boto3 clients of this process need ShiftedSigningClock.
        self.clock_offset = clock_offset
        self.proc = None
        self.endpoint = None
        self.host = None
        self.port = None
        self.admin = None
        self.starts = 0
        self._stderr_files = []
        self._stdout_files = []

    # ----- lifecycle -------------------------------------------------------------------------

    def start(self):
        assert self.proc is None, "server already running"
        endpoint_file = os.path.join(self.data_dir, "endpoint")
        # A stale endpoint file from a previous (stopped) run would point at a dead port.
        if os.path.exists(endpoint_file):
            os.unlink(endpoint_file)
        self.starts += 1
        out_path = os.path.join(self.log_dir, f"stdout.{self.starts}.log")
        err_path = os.path.join(self.log_dir, f"stderr.{self.starts}.log")
        self._stdout_files.append(out_path)
        self._stderr_files.append(err_path)
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [cleanroomd_path(), "--listen", "127.0.0.1:0", "--data-dir", self.data_dir]
                + self.extra_args,
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=self.root,
                env=self._server_env())
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"cleanroomd exited with {self.proc.returncode} during startup\n"
                    f"stderr tail:\n{self.stderr_tail()}")
            if os.path.exists(endpoint_file):
                with open(endpoint_file) as f:
                    text = f.read()
                if text.endswith("\n"):
                    self.endpoint = text.strip()
                    break
            if time.monotonic() > deadline:
                self._kill()
                raise AssertionError(
                    f"cleanroomd did not write {endpoint_file} within {START_TIMEOUT_S}s\n"
                    f"stderr tail:\n{self.stderr_tail()}")
            time.sleep(0.05)
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)", self.endpoint)
        if not m:
            self._kill()
            raise AssertionError(f"unexpected endpoint file content {self.endpoint!r}")
        self.host, self.port = "127.0.0.1", int(m.group(1))
        while True:
            try:
                status, _, _ = self.raw_request("GET", "/healthz", timeout=2)
                if status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self._kill()
                raise AssertionError(f"GET /healthz never answered 200\nstderr:\n{self.stderr_tail()}")
            time.sleep(0.05)
        self.admin = self.read_admin_credentials()
        return self

    def stop(self, check=True):
        """SIGTERM, bounded wait; with check, asserts a clean exit (code 0, no sanitizer output)."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
                if check:
                    raise AssertionError(
                        f"cleanroomd did not exit within {STOP_TIMEOUT_S}s of SIGTERM\n"
                        f"stderr tail:\n{self.stderr_tail()}")
                return
        if check:
            if proc.returncode != 0:
                raise AssertionError(
                    f"cleanroomd exited with {proc.returncode} after SIGTERM (expected 0)\n"
                    f"stderr tail:\n{self.stderr_tail()}")
            self.assert_no_crash_output()

    def _server_env(self):
        if not self.env and self.clock_offset is None:
            return None  # this process's environment
        env = dict(os.environ)
        if self.clock_offset is not None:
            env.update(faketime_env(self.clock_offset, cleanroomd_path()))
        env.update(self.env)
        return env

    def _client_env(self, binary=None):
        """The environment of a client command (cleanroom, aws) run for this server."""
        env = _clean_env()
        if self.clock_offset is not None:
            env.update(faketime_env(self.clock_offset, binary))
        return env

    def restart(self):
        self.stop(check=True)
        return self.start()

    def _kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None

    def destroy(self):
        """Stop without checks (used in cleanups) and remove every temp dir."""
        try:
            self.stop(check=False)
        finally:
            self._kill()
            if os.environ.get("CLEANROOM_E2E_KEEP"):
                print(f"keeping {self.root} and {self.log_dir}")
            else:
                shutil.rmtree(self.root, ignore_errors=True)
                shutil.rmtree(self.log_dir, ignore_errors=True)

    def is_alive(self):
        return self.proc is not None and self.proc.poll() is None

    # ----- logs ------------------------------------------------------------------------------

    def stderr_text(self):
        parts = []
        for p in self._stderr_files:
            try:
                with open(p, "rb") as f:
                    parts.append(f.read().decode("utf-8", "replace"))
            except OSError:
                pass
        return "".join(parts)

    def stdout_text(self, start_index=None):
        files = self._stdout_files if start_index is None else [self._stdout_files[start_index]]
        parts = []
        for p in files:
            with open(p, "rb") as f:
                parts.append(f.read().decode("utf-8", "replace"))
        return "".join(parts)

    def stderr_tail(self, n=40):
        return "\n".join(self.stderr_text().splitlines()[-n:])

    def log_records(self):
        """The JSON objects logged on stderr (lines that are not JSON are skipped)."""
        recs = []
        for line in self.stderr_text().splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                recs.append(json.loads(line))
            except ValueError:
                continue
        return recs

    def assert_no_crash_output(self):
        text = self.stderr_text()
        found = [m for m in CRASH_MARKERS if m in text]
        if found:
            raise AssertionError(f"server stderr contains {found}:\n{self.stderr_tail(80)}")

    def assert_healthy(self):
        if not self.is_alive():
            code = None if self.proc is None else self.proc.returncode
            raise AssertionError(f"cleanroomd is not running (exit code {code})\n{self.stderr_tail()}")
        status, _, _ = self.raw_request("GET", "/healthz", timeout=10)
        if status != 200:
            raise AssertionError(f"GET /healthz answered {status}")
        self.assert_no_crash_output()

    # ----- admin credentials / CLI -----------------------------------------------------------

    @property
    def admin_credentials_path(self):
        return os.path.join(self.data_dir, "admin-credentials")

    def read_admin_credentials(self):
        with open(self.admin_credentials_path) as f:
            text = f.read()
        parser = configparser.ConfigParser(comment_prefixes=("#", ";"))
        parser.read_string(text)
        sec = parser["default"]
        m = re.search(r"^#\s*account_id\s*=\s*(\d+)\s*$", text, re.M)
        if not m:
            raise AssertionError(f"admin-credentials has no '# account_id = ...' line:\n{text}")
        return Account(m.group(1), "admin", sec["aws_access_key_id"].strip(),
                       sec["aws_secret_access_key"].strip())

    def run_cli(self, *args, check=True, via_data_dir=True, credentials_file=None,
                timeout=CLI_TIMEOUT_S):
        """Runs `cleanroom` with global options, returns CompletedProcess (text)."""
        if credentials_file is not None:
            cmd = [cli_path(), "--endpoint", self.endpoint, "--credentials-file", credentials_file]
        elif via_data_dir:
            cmd = [cli_path(), "--data-dir", self.data_dir]
        else:
            cmd = [cli_path(), "--endpoint", self.endpoint,
                   "--credentials-file", self.admin_credentials_path]
        cmd += list(args)
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL, env=self._client_env(cli_path()))
        if check and res.returncode != 0:
            raise CliError(f"{' '.join(cmd[1:])} exited {res.returncode}\n"
                           f"stdout: {res.stdout}\nstderr: {res.stderr}")
        return res

    def cli_json(self, *args, **kw):
        res = self.run_cli(*args, **kw)
        try:
            return json.loads(res.stdout)
        except ValueError as e:
            raise AssertionError(f"cleanroom {' '.join(args)} printed non-JSON: {res.stdout!r}") from e

    def create_account(self, name=None):
        name = name or unique_name("acct")
        out = self.cli_json("admin", "account", "create", "--name", name)
        for field in ("AccountId", "Name", "AccessKeyId", "SecretAccessKey"):
            if field not in out:
                raise AssertionError(f"account create output lacks {field}: {out}")
        return Account(out["AccountId"], out["Name"], out["AccessKeyId"], out["SecretAccessKey"])

    def write_credentials_file(self, account, directory):
        path = os.path.join(directory, f"creds-{account.access_key_id}")
        with open(path, "w") as f:
            f.write(f"[default]\naws_access_key_id = {account.access_key_id}\n"
                    f"aws_secret_access_key = {account.secret_access_key}\n"
                    f"# account_id = {account.account_id}\n")
        os.chmod(path, 0o600)
        return path

    # ----- AWS CLI ---------------------------------------------------------------------------

    def aws(self, account, *args, check=True, timeout=AWS_TIMEOUT_S, cwd=None, input=None,
            binary=False, env=None):
        """Runs `aws --endpoint-url <server> ARGS` as `account`. Returns CompletedProcess.
        `env`: extra environment variables of the CLI process (e.g. faketime_env())."""
        extra_env = env
        env = self._client_env()
        env.update({
            "AWS_ACCESS_KEY_ID": account.access_key_id,
            "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_CONFIG_FILE": os.path.join(self.root, "nonexistent", "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.root, "nonexistent", "aws-credentials"),
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
        })
        env.update(extra_env or {})
        cmd = [AWS_CLI, "--endpoint-url", self.endpoint] + list(args)
        text_kw = {} if binary else {"encoding": "utf-8", "errors": "replace"}
        res = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd, env=env,
                             input=input, stdin=None if input is not None else subprocess.DEVNULL,
                             **text_kw)
        if check and res.returncode != 0:
            raise CliError(f"aws {' '.join(args)} exited {res.returncode}\n"
                           f"stdout: {res.stdout}\nstderr: {res.stderr}")
        return res

    def aws_json(self, account, *args, **kw):
        res = self.aws(account, *args, **kw)
        if not res.stdout.strip():
            return {}
        return json.loads(res.stdout)

    # ----- boto3 -----------------------------------------------------------------------------

    def client(self, service, account, **config_kw):
        config_kw.setdefault("retries", {"total_max_attempts": 1})
        config_kw.setdefault("connect_timeout", 10)
        config_kw.setdefault("read_timeout", 120)
        if service == "s3":
            config_kw.setdefault("s3", {"addressing_style": "path"})
        session = boto3.session.Session(
            aws_access_key_id=account.access_key_id,
            aws_secret_access_key=account.secret_access_key,
            region_name=REGION)
        return session.client(service, endpoint_url=self.endpoint,
                              config=botocore.config.Config(**config_kw))

    # ----- raw HTTP --------------------------------------------------------------------------

    def connection(self, timeout=30):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def raw_request(self, method, path, body=None, headers=None, timeout=30):
        """One request on a fresh connection. Returns (status, headers dict lower-case, body)."""
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def signed_headers(self, account, method, path, body=b"", headers=None, service="s3",
                       payload_hash=None, when=None, region=REGION):
        """SigV4 headers for a request to this server, signed with botocore's signers.

        S3 requests carry X-Amz-Content-SHA256 = hex SHA-256 of `body` unless `payload_hash`
        gives another value (e.g. UNSIGNED-PAYLOAD). `when` (a UTC datetime) fakes the clock.
        """
        return sign_headers(self.endpoint, account, method, path, body, headers, service,
                            payload_hash, when, region)

    def signed_request(self, account, method, path, body=b"", headers=None, service="s3",
                       send_body=None, timeout=30):
        """Signs (method, path, body) and sends it; `send_body` replaces the body on the wire."""
        hdrs = self.signed_headers(account, method, path, body, headers, service)
        wire = body if send_body is None else send_body
        hdrs["Content-Length"] = str(len(wire))
        return self.raw_request(method, path, body=wire, headers=hdrs, timeout=timeout)


class _S3Signer(S3SigV4Auth):
    """botocore's S3 signer with an optional fixed X-Amz-Content-SHA256 value."""

    def __init__(self, credentials, region, payload_hash):
        super().__init__(credentials, "s3", region)
        self._payload_hash = payload_hash

    def payload(self, request):
        if self._payload_hash is not None:
            return self._payload_hash
        return super().payload(request)


def sign_headers(endpoint, account, method, path, body=b"", headers=None, service="s3",
                 payload_hash=None, when=None, region=REGION):
    req = AWSRequest(method=method, url=endpoint + path, data=body, headers=dict(headers or {}))
    creds = Credentials(account.access_key_id, account.secret_access_key)
    signer = _S3Signer(creds, region, payload_hash) if service == "s3" else SigV4Auth(
        creds, service, region)
    if when is None:
        signer.add_auth(req)
    else:
        saved = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda: when
        try:
            signer.add_auth(req)
        finally:
            botocore.auth.get_current_datetime = saved
    return {k: v for k, v in req.headers.items()}


# ----- a shifted clock (libfaketime) -------------------------------------------------------------

def faketime_library():
    """The multi-threaded libfaketime of the Debian package `faketime`, or None if it is not
    installed."""
    for pattern in ("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
                    "/usr/lib/*/faketime/libfaketimeMT.so.1",
                    "/usr/local/lib/faketime/libfaketimeMT.so.1"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    return None


def _sanitizer_runtimes(binary):
    """The sanitizer runtimes `binary` links dynamically (sonames), e.g. ["libasan.so.8"]."""
    try:
        out = subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return re.findall(r"\[(lib(?:asan|tsan|hwasan)\.so[.\d]*)\]", out)


def faketime_env(offset_seconds, binary=None):
    """Environment variables that make a process see the wall clock shifted by `offset_seconds`
    (LD_PRELOAD of libfaketime; monotonic clocks stay real, so timeouts and sleeps are
    unaffected). Unlike `faketime CMD`, which forks and stays the parent, this keeps the process
    the one the harness signals. Every process given the same offset agrees on the time, so the
    server and its clients stay within SigV4's 15 minutes. For a `binary` linked with ASan or
    TSan, the sanitizer runtime is preloaded first, as it requires. Needs faketime_library()."""
    library = faketime_library()
    if library is None:
        raise RuntimeError("libfaketime is not installed (Debian package faketime)")
    preload = _sanitizer_runtimes(binary) if binary else []
    preload.append(library)
    if os.environ.get("LD_PRELOAD"):
        preload.append(os.environ["LD_PRELOAD"])
    return {"LD_PRELOAD": " ".join(preload), "FAKETIME": f"{int(offset_seconds):+d}",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1"}


def offset_to(when):
    """Seconds to add to the real clock for it to read `when` (an aware datetime) now."""
    return int(round((when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()))


class ShiftedSigningClock:
    """Makes botocore sign requests (boto3 clients of this process) as if the clock were shifted
    by `offset` seconds, to talk to a server run under faketime_env(offset). `offset` may be
    changed while active. start() / stop(), or use as a context manager."""

    def __init__(self, offset=0):
        self.offset = offset
        self._saved = None

    def now(self, remove_tzinfo=True):
        t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.offset)
        return t.replace(tzinfo=None) if remove_tzinfo else t

    def start(self):
        assert self._saved is None, "already started"
        self._saved = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = self.now
        return self

    def stop(self):
        if self._saved is not None:
            botocore.auth.get_current_datetime = self._saved
            self._saved = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _clean_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return env


def quote_key(key):
    """Percent-encodes an S3 key for a path the way botocore does (keeps '/' and '~')."""
    return urllib.parse.quote(key, safe="/~")


def xml_error_code(body):
    m = re.search(rb"<Code>([^<]*)</Code>", body)
    return m.group(1).decode() if m else None


def client_error_code(exc):
    return exc.response.get("Error", {}).get("Code")


def client_error_status(exc):
    return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def run_bash_with_aws(server, account, script, cwd):
    """Runs `script` with bash -e, `aws` being the real AWS CLI pointed at `server` as
    `account`. Returns the CompletedProcess; fails the test on a non-zero exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.path.join(cwd, "nonexistent", "aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(cwd, "nonexistent", "aws-credentials"),
        "AWS_PAGER": "",
        "AWS_EC2_METADATA_DISABLED": "true",
        "CLEANROOM_AWS_CLI": AWS_CLI,
        "CLEANROOM_ENDPOINT": server.endpoint,
    })
    prologue = 'set -eo pipefail\naws() { "$CLEANROOM_AWS_CLI" --endpoint-url "$CLEANROOM_ENDPOINT" "$@"; }\n'
    res = subprocess.run(["bash", "-c", prologue + script], cwd=cwd, env=env, capture_output=True,
                         encoding="utf-8", errors="replace", timeout=AWS_TIMEOUT_S * 4,
                         stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        raise AssertionError(f"script exited {res.returncode}\nstdout:\n{res.stdout}\n"
                             f"stderr:\n{res.stderr}")
    return res


class ServerTestCase(unittest.TestCase):
    """Starts one server per test class; stops it (asserting a clean exit) at the end."""

    server = None

    @classmethod
    def make_server(cls):
        """The (not yet started) server of the class; override to pass options."""
        return Server()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = cls.make_server()
        cls.addClassCleanup(cls.server.destroy)
        cls.server.start()
        cls.admin = cls.server.admin
        cls.tmp = tempfile.mkdtemp(prefix="cleanroom-e2e-work-")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop(check=True)
        super().tearDownClass()

    # Assertion helpers ------------------------------------------------------------------------

    def assertClientError(self, fn, code, status=None, *args, **kwargs):
        """Calls fn(*args, **kwargs); asserts a botocore ClientError with this code/status."""
        from botocore.exceptions import ClientError
        with self.assertRaises(ClientError, msg=f"expected {code}") as cm:
            fn(*args, **kwargs)
        got_code = client_error_code(cm.exception)
        got_status = client_error_status(cm.exception)
        codes = code if isinstance(code, (tuple, list, set, frozenset)) else (code,)
        self.assertIn(got_code, codes,
                      f"expected error code {code} (HTTP {status}), server answered {got_code} "
                      f"(HTTP {got_status}): {cm.exception.response.get('Error')}")
        if status is not None:
            self.assertEqual(got_status, status,
                             f"expected HTTP {status} for {got_code}, got {got_status}")
        return cm.exception


def wait_until(predicate, timeout, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            return value
        time.sleep(interval)


def free_loopback_port():
    """A currently free TCP port on 127.0.0.1 (only for helper processes such as nginx)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
