#!/usr/bin/env python3
"""S3 PUT/GET throughput of cleanroomd against references measured in the same run.

Not a test: it prints a Markdown table and writes it into BENCHMARKS.md (see README.md here).

Measured, for 1 MiB objects (many, N concurrent connections) and 256 MiB objects (a few, one
connection):
  * cleanroomd through boto3 (what users run), into an SSE-S3 bucket and a plain bucket;
  * cleanroomd through plain http.client with SigV4 headers (the same client code as the
    nginx reference; the payload hash is precomputed before the clock starts);
  * nginx serving GET of the same files and accepting PUT through the dav module, driven by the
    same http.client code, its client_body_temp_path on the same disk;
  * raw file write + fsync and read on the same disk.

Every timed batch starts from the same page-cache state: what the previous batch wrote is
deleted (untimed) before the next one starts, and before anything is timed the largest batch's
volume is written and deleted once. Without this, whichever target runs first pays for growing
the page cache into never-touched memory (expensive on some VMs) while later targets reuse the
pages it freed.

Only loopback is used; every loop is bounded by the object counts given on the command line.
"""

import argparse
import datetime
import hashlib
import http.client
import os
import platform
import re
import shutil
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "test", "e2e"))

import harness  # noqa: E402  (the e2e harness starts cleanroomd and signs requests)

MiB = 1 << 20
MB = 1_000_000
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
BEGIN = "<!-- bench/s3_throughput.py: begin -->"
END = "<!-- bench/s3_throughput.py: end -->"


# ----- workloads ---------------------------------------------------------------------------------

class Workload:
    def __init__(self, name, size, count, concurrency):
        self.name, self.size, self.count, self.concurrency = name, size, count, concurrency

    @property
    def total(self):
        return self.size * self.count

    def label(self):
        return f"{self.size // MiB} MiB x {self.count}, {self.concurrency} conn"


def run_parallel(make_ctx, fn, count, concurrency):
    """Runs fn(ctx, i) for i in range(count) on `concurrency` threads, each with its own ctx
    (a client or connection made by make_ctx before the clock starts). Returns seconds."""
    contexts = [make_ctx() for _ in range(concurrency)]
    indices = iter(range(count))
    lock = threading.Lock()
    errors = []
    barrier = threading.Barrier(concurrency + 1)

    def worker(ctx):
        barrier.wait()
        while not errors:
            with lock:
                i = next(indices, None)
            if i is None:
                return
            try:
                fn(ctx, i)
            except Exception as e:  # reported by the caller
                errors.append(e)
                return

    threads = [threading.Thread(target=worker, args=(c,), daemon=True) for c in contexts]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join(timeout=3600)
    elapsed = time.perf_counter() - t0
    if any(t.is_alive() for t in threads):
        raise RuntimeError("benchmark workers did not finish within an hour")
    for c in contexts:
        close = getattr(c, "close", None)
        if close:
            close()
    if errors:
        raise errors[0]
    return elapsed


def mbps(nbytes, seconds):
    return nbytes / MB / seconds if seconds > 0 else float("inf")


# ----- plain HTTP client (shared by cleanroomd and nginx) ------------------------------------------

class HttpConn:
    """One keep-alive http.client connection, reopened once if the server closed it."""

    def __init__(self, host, port, sign=None):
        self.host, self.port, self.sign = host, port, sign
        self.c = http.client.HTTPConnection(host, port, timeout=300)

    def close(self):
        self.c.close()

    def _request(self, method, path, body, payload_hash):
        headers = {}
        if self.sign is not None:
            headers.update(self.sign(method, path, payload_hash))
        if body is not None:
            headers["Content-Length"] = str(len(body))
        for attempt in (1, 2):
            try:
                self.c.request(method, path, body=body, headers=headers)
                return self.c.getresponse()
            except (ConnectionError, http.client.HTTPException):
                self.c.close()
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=300)
                if attempt == 2:
                    raise

    def put(self, path, body, payload_hash):
        resp = self._request("PUT", path, body, payload_hash)
        data = resp.read()
        if resp.status not in (200, 201, 204):
            raise RuntimeError(f"PUT {path}: HTTP {resp.status} {data[:200]!r}")

    def delete(self, path):
        resp = self._request("DELETE", path, None, EMPTY_SHA256)
        data = resp.read()
        if resp.status not in (200, 204):
            raise RuntimeError(f"DELETE {path}: HTTP {resp.status} {data[:200]!r}")

    def get(self, path, expected_size):
        resp = self._request("GET", path, None, EMPTY_SHA256)
        n = 0
        view = memoryview(bytearray(MiB))
        while True:
            k = resp.readinto(view)
            if not k:
                break
            n += k
        if resp.status != 200 or n != expected_size:
            raise RuntimeError(f"GET {path}: HTTP {resp.status}, {n} bytes (expected "
                               f"{expected_size})")


# ----- cleanroomd -----------------------------------------------------------------------------------

def bench_cleanroomd(server, workloads, bodies, results):
    acct = server.admin
    s3 = server.client("s3", acct, max_pool_connections=16)
    suffix = secrets.token_hex(3)
    buckets = {"sse": f"bench-sse-{suffix}", "plain": f"bench-plain-{suffix}"}
    for kind, name in buckets.items():
        s3.create_bucket(Bucket=name)
        if kind == "sse":
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})

    endpoint = server.endpoint

    def sign(method, path, payload_hash):
        return harness.sign_headers(endpoint, acct, method, path, b"", None, "s3", payload_hash)

    def make_http():
        return HttpConn(server.host, server.port, sign)

    def make_boto():
        return server.client("s3", acct, max_pool_connections=2)

    for kind, bucket in buckets.items():
        for w in workloads:
            body, digest = bodies[w.name]
            # Warm-up (not timed): one request each way per client kind.
            make_boto().put_object(Bucket=bucket, Key=f"warm/{w.name}", Body=body[:MiB])
            make_boto().get_object(Bucket=bucket, Key=f"warm/{w.name}")["Body"].read()

            def put_boto(c, i, w=w, body=body, bucket=bucket):
                c.put_object(Bucket=bucket, Key=f"boto/{w.name}/{i}", Body=body)

            def get_boto(c, i, w=w, bucket=bucket):
                stream = c.get_object(Bucket=bucket, Key=f"boto/{w.name}/{i}")["Body"]
                n = 0
                for chunk in stream.iter_chunks(MiB):
                    n += len(chunk)
                if n != w.size:
                    raise RuntimeError(f"boto3 GET returned {n} bytes, expected {w.size}")

            def put_http(c, i, w=w, body=body, digest=digest, bucket=bucket):
                c.put(f"/{bucket}/http/{w.name}/{i}", body, digest)

            def get_http(c, i, w=w, bucket=bucket):
                c.get(f"/{bucket}/http/{w.name}/{i}", w.size)

            def delete(c, i, w=w, bucket=bucket, prefix="http"):
                c.delete(f"/{bucket}/{prefix}/{w.name}/{i}")

            for client, make, put_fn, get_fn in (("boto3", make_boto, put_boto, get_boto),
                                                 ("http", make_http, put_http, get_http)):
                target = f"cleanroomd {client} {kind}"
                t = run_parallel(make, put_fn, w.count, w.concurrency)
                results[(target, w.name, "PUT")] = mbps(w.total, t)
                t = run_parallel(make, get_fn, w.count, w.concurrency)
                results[(target, w.name, "GET")] = mbps(w.total, t)
                # Untimed: free what the batch wrote, as every other target does.
                prefix = "boto" if client == "boto3" else "http"
                run_parallel(make_http, lambda c, i, p=prefix: delete(c, i, prefix=p), w.count,
                             w.concurrency)
                print(f"  {target:24s} {w.label():24s} "
                      f"PUT {results[(target, w.name, 'PUT')]:8.1f} MB/s  "
                      f"GET {results[(target, w.name, 'GET')]:8.1f} MB/s", flush=True)
    return buckets


# ----- nginx ----------------------------------------------------------------------------------------

def find_nginx():
    for cand in (shutil.which("nginx"), "/usr/sbin/nginx"):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def ensure_nginx():
    nginx = find_nginx()
    if nginx:
        return nginx
    if shutil.which("apt-get") is None:
        raise SystemExit("nginx is missing and apt-get is not available")
    print("installing nginx with apt-get ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    # Keep the package from starting the system-wide nginx service (Debian honours policy-rc.d).
    policy = "/usr/sbin/policy-rc.d"
    created_policy = False
    if not os.path.exists(policy) and os.geteuid() == 0:
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
        created_policy = True
    try:
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        install = sudo + ["apt-get", "install", "-y", "--no-install-recommends", "nginx"]
        res = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
        if res.returncode != 0:
            subprocess.run(sudo + ["apt-get", "update"], env=env, capture_output=True,
                           timeout=900)
            res = subprocess.run(install, env=env, capture_output=True, text=True, timeout=900)
        if res.returncode != 0:
            raise SystemExit(f"apt-get install nginx failed:\n{res.stderr[-2000:]}")
    finally:
        if created_policy:
            os.unlink(policy)
    nginx = find_nginx()
    if not nginx:
        raise SystemExit("nginx still not found after installing it")
    return nginx


class Nginx:
    def __init__(self, binary, workdir):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="nginx-", dir=workdir)
        self.root = os.path.join(self.dir, "www")
        os.makedirs(self.root)
        os.makedirs(os.path.join(self.dir, "body"))
        self.port = harness.free_loopback_port()
        user = "user root root;\n" if os.geteuid() == 0 else ""
        temp_paths = "".join(f"    {k}_temp_path {os.path.join(self.dir, k)};\n"
                             for k in ("proxy", "fastcgi", "uwsgi", "scgi"))
        conf = (
            f"{user}worker_processes 2;\n"
            f"daemon off;\n"
            f"pid {self.dir}/nginx.pid;\n"
            f"error_log {self.dir}/error.log warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            "    access_log off;\n"
            "    sendfile on;\n"
            "    tcp_nopush on;\n"
            "    keepalive_requests 100000;\n"
            "    client_max_body_size 0;\n"
            f"    client_body_temp_path {self.dir}/body;\n"
            f"{temp_paths}"
            "    server {\n"
            f"        listen 127.0.0.1:{self.port};\n"
            f"        root {self.root};\n"
            "        location / {\n"
            "            dav_methods PUT DELETE;\n"
            "            create_full_put_path on;\n"
            "            dav_access user:rw;\n"
            "        }\n"
            "    }\n"
            "}\n")
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(conf)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([self.binary, "-c", self.conf, "-p", self.dir],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.dir, "stderr.log"), "wb"))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"nginx exited: {open(os.path.join(self.dir, 'stderr.log')).read()}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/")
                c.getresponse().read()
                c.close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("nginx did not start listening")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def bench_nginx(nginx, workloads, bodies, results):
    def make():
        return HttpConn("127.0.0.1", nginx.port)

    for w in workloads:
        body, _ = bodies[w.name]
        warm = make()
        warm.put(f"/warm/{w.name}", body[:MiB], None)
        warm.get(f"/warm/{w.name}", MiB)
        warm.close()
        t = run_parallel(make, lambda c, i, w=w, body=body: c.put(f"/o/{w.name}/{i}", body, None),
                         w.count, w.concurrency)
        results[("nginx", w.name, "PUT")] = mbps(w.total, t)
        t = run_parallel(make, lambda c, i, w=w: c.get(f"/o/{w.name}/{i}", w.size),
                         w.count, w.concurrency)
        results[("nginx", w.name, "GET")] = mbps(w.total, t)
        run_parallel(make, lambda c, i, w=w: c.delete(f"/o/{w.name}/{i}"), w.count,
                     w.concurrency)
        print(f"  {'nginx':24s} {w.label():24s} PUT {results[('nginx', w.name, 'PUT')]:8.1f}"
              f" MB/s  GET {results[('nginx', w.name, 'GET')]:8.1f} MB/s", flush=True)


# ----- raw file copy + fsync -------------------------------------------------------------------------

def bench_raw(workdir, workloads, bodies, results):
    d = tempfile.mkdtemp(prefix="raw-", dir=workdir)
    try:
        for w in workloads:
            body, _ = bodies[w.name]

            def write(_ctx, i, w=w, body=body):
                path = os.path.join(d, f"{w.name}-{i}")
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                try:
                    view = memoryview(body)
                    while view:
                        n = os.write(fd, view)
                        view = view[n:]
                    os.fsync(fd)
                finally:
                    os.close(fd)

            def read(_ctx, i, w=w):
                n = 0
                with open(os.path.join(d, f"{w.name}-{i}"), "rb", buffering=0) as f:
                    buf = bytearray(MiB)
                    while True:
                        k = f.readinto(buf)
                        if not k:
                            break
                        n += k
                if n != w.size:
                    raise RuntimeError("short read")

            t = run_parallel(lambda: None, write, w.count, w.concurrency)
            results[("raw file", w.name, "PUT")] = mbps(w.total, t)
            t = run_parallel(lambda: None, read, w.count, w.concurrency)
            results[("raw file", w.name, "GET")] = mbps(w.total, t)
            for i in range(w.count):
                os.unlink(os.path.join(d, f"{w.name}-{i}"))
            print(f"  {'raw file (fsync)':24s} {w.label():24s} write {results[('raw file', w.name, 'PUT')]:8.1f}"
                  f" MB/s  read {results[('raw file', w.name, 'GET')]:8.1f} MB/s", flush=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def prime_page_cache(workdir, nbytes):
    """Writes `nbytes` to a scratch file, fsyncs and deletes it, so that the first timed batch
    finds as many recycled free pages as the later ones (see the module docstring)."""
    path = os.path.join(workdir, "prime")
    chunk = os.urandom(MiB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for _ in range((nbytes + MiB - 1) // MiB):
            os.write(fd, chunk)
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(path)


# ----- report -----------------------------------------------------------------------------------------

# Ratio columns: (label, numerator, denominator).
RATIOS = (
    ("plain / nginx", "cleanroomd http plain", "nginx"),
    ("SSE / nginx", "cleanroomd http sse", "nginx"),
    ("plain / raw", "cleanroomd http plain", "raw file"),
    ("SSE / raw", "cleanroomd http sse", "raw file"),
)
PUT_AIM = 0.5


def render(workloads, rounds, meta):
    def median_of(values):
        return statistics.median(values) if values else None

    def value(target, w, op):
        return median_of([r[(target, w.name, op)] for r in rounds
                          if (target, w.name, op) in r])

    def ratios(a, b, w, op):
        """The ratio a/b of each round (both measured in the same round)."""
        return [r[(a, w.name, op)] / r[(b, w.name, op)] for r in rounds
                if (a, w.name, op) in r and r.get((b, w.name, op))]

    def v(target, w, op):
        x = value(target, w, op)
        return f"{x:,.0f}" if x is not None else "n/a"

    def ratio_cell(a, b, w, op):
        rs = ratios(a, b, w, op)
        if not rs:
            return "n/a"
        cell = f"{statistics.median(rs):.2f}"
        if len(rs) > 1:
            cell += f" ({min(rs):.2f}–{max(rs):.2f})"
        return cell

    lines = [
        "| workload | op | cleanroomd plain (http.client) | cleanroomd SSE (http.client) "
        "| cleanroomd plain (boto3) | cleanroomd SSE (boto3) | nginx | raw file | "
        + " | ".join(label for label, _, _ in RATIOS) + " |",
        "|---|---|" + "---:|" * (6 + len(RATIOS)),
    ]
    for w in workloads:
        for op in ("PUT", "GET"):
            lines.append(
                f"| {w.label()} | {op} "
                f"| {v('cleanroomd http plain', w, op)} | {v('cleanroomd http sse', w, op)} "
                f"| {v('cleanroomd boto3 plain', w, op)} | {v('cleanroomd boto3 sse', w, op)} "
                f"| {v('nginx', w, op)} | {v('raw file', w, op)} | "
                + " | ".join(ratio_cell(a, b, w, op) for _, a, b in RATIOS) + " |")
    table = "\n".join(lines)

    verdict = []
    for label, a, b in RATIOS:
        medians = [statistics.median(rs) for w in workloads if (rs := ratios(a, b, w, "PUT"))]
        if not medians:
            continue
        worst = min(medians)
        verdict.append(f"{label} {'met' if worst >= PUT_AIM else 'NOT met'} "
                       f"(lowest median {worst:.2f})")

    notes = textwrap.dedent(f"""\
        MB/s = 10^6 bytes per second of object payload, wall clock over the whole batch; each
        cell is the median of {len(rounds)} round(s). A ratio is computed within each round
        (both sides measured in the same round) and the cell shows the median ratio with the lowest
        and highest round in brackets. The cleanroomd and nginx columns use the same
        http.client code at the same concurrency with the same bytes (cleanroomd requests are
        SigV4-signed with a precomputed payload hash, which the server still verifies). The
        boto3 columns include the client's own CRC32 + SHA-256 over every body.

        The two references, per PUT:
        - nginx (dav module): receives the body into a temp file and renames it into place. It
          does not fsync, authenticate, hash or record metadata.
        - raw file: os.write of the whole body to a new file + fsync, no network at all. Like
          cleanroomd, the data is durable when the call returns; unlike cleanroomd it does not
          fsync the directory or commit any metadata.
        cleanroomd's PUT answers only after fdatasync of the blob, fsync of its directory
        (shared between concurrent uploads) and a synchronous SQLite commit, and checks the
        SHA-256 and computes the MD5 of every body (plus AES-256-GCM for SSE). GET reads the
        files just written (page cache) on all three.

        Aim: PUT at least {PUT_AIM:.2f} of the reference, for both workloads:
        {"; ".join(verdict) if verdict else "n/a"}.

        Run: {meta['when']} on {meta['machine']}; cleanroomd `{meta['binary']}`;
        nginx {meta['nginx']}; Python {platform.python_version()}, boto3 {meta['boto3']}.
        Command: `{meta['command']}`""")
    return table, notes


def write_benchmarks_md(path, table, notes):
    section = (f"{BEGIN}\n## S3 throughput (bench/s3_throughput.py)\n\n{table}\n\n{notes}\n{END}\n")
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    if BEGIN in text and END in text:
        pre, rest = text.split(BEGIN, 1)
        _, post = rest.split(END, 1)
        text = pre + section.rstrip("\n") + post
    else:
        if not text:
            text = "# Benchmarks\n"
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cleanroomd", nargs="?",
                    default=os.path.join(REPO, "build", "release", "src", "exe", "cleanroomd"),
                    help="path to a release build of cleanroomd (default: %(default)s)")
    ap.add_argument("--small-count", type=int, default=512, help="number of 1 MiB objects")
    ap.add_argument("--large-count", type=int, default=3, help="number of 256 MiB objects")
    ap.add_argument("--large-size-mib", type=int, default=256)
    ap.add_argument("--concurrency", type=int, default=4, help="connections for 1 MiB objects")
    ap.add_argument("--work-dir", default=None,
                    help="directory for every data dir and file (default: the system temp dir)")
    ap.add_argument("--benchmarks-md", default=os.path.join(REPO, "BENCHMARKS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    ap.add_argument("--skip-nginx", action="store_true")
    ap.add_argument("--rounds", type=int, default=5,
                    help="times every target is measured; the table shows medians (default: "
                         "%(default)s)")
    args = ap.parse_args()

    for n in (args.small_count, args.large_count, args.concurrency, args.large_size_mib,
              args.rounds):
        if n < 1:
            ap.error("counts and sizes must be positive")
    if not os.access(args.cleanroomd, os.X_OK):
        ap.error(f"{args.cleanroomd} is not an executable cleanroomd")
    os.environ["CLEANROOMD"] = os.path.abspath(args.cleanroomd)
    workdir = tempfile.mkdtemp(prefix="cleanroom-bench-", dir=args.work_dir)
    tempfile.tempdir = workdir   # the harness's data dir lands on the same disk

    workloads = [Workload("small", MiB, args.small_count, args.concurrency),
                 Workload("large", args.large_size_mib * MiB, args.large_count, 1)]
    print("generating payloads ...", flush=True)
    bodies = {}
    for w in workloads:
        body = os.urandom(w.size)
        bodies[w.name] = (body, hashlib.sha256(body).hexdigest())

    prime_page_cache(workdir, max(w.total for w in workloads))

    rounds = []  # one {(target, workload, op): MB/s} per round
    server = nginx = None
    try:
        nginx_version = "not run"
        if not args.skip_nginx:
            binary = ensure_nginx()
            out = subprocess.run([binary, "-V"], capture_output=True, text=True, timeout=30)
            if "http_dav_module" not in out.stderr:
                raise SystemExit("this nginx lacks the dav module (needed for PUT)")
            nginx_version = re.search(r"nginx/(\S+)", out.stderr).group(1)

        def run_cleanroomd(results):
            nonlocal server
            print("cleanroomd ...", flush=True)
            server = harness.Server()
            server.start()
            bench_cleanroomd(server, workloads, bodies, results)
            server.stop(check=True)
            server.destroy()
            server = None

        def run_nginx(results):
            nonlocal nginx
            print("nginx ...", flush=True)
            nginx = Nginx(binary, workdir)
            nginx.start()
            bench_nginx(nginx, workloads, bodies, results)
            nginx.stop()
            nginx = None

        def run_raw(results):
            print("raw file ...", flush=True)
            bench_raw(workdir, workloads, bodies, results)

        targets = [run_cleanroomd] + ([] if args.skip_nginx else [run_nginx]) + [run_raw]
        for r in range(args.rounds):
            # Each round runs every target once, starting with a different one, so that no
            # target always runs first (or last) in whatever the machine is doing.
            print(f"round {r + 1} of {args.rounds}", flush=True)
            results = {}
            for k in range(len(targets)):
                targets[(r + k) % len(targets)](results)
            rounds.append(results)
    finally:
        if server is not None:
            server.destroy()
        if nginx is not None:
            nginx.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    import boto3
    meta = {
        "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "binary": (os.path.relpath(os.environ["CLEANROOMD"], REPO)
                   if os.environ["CLEANROOMD"].startswith(REPO + os.sep)
                   else os.environ["CLEANROOMD"]),
        "nginx": nginx_version,
        "boto3": boto3.__version__,
        "command": "python3 bench/s3_throughput.py " + " ".join(sys.argv[1:]),
    }
    table, notes = render(workloads, rounds, meta)
    print()
    print(table)
    print()
    print(notes)
    if not args.no_write:
        write_benchmarks_md(args.benchmarks_md, table, notes)
        print(f"\nwrote the section into {args.benchmarks_md}")


if __name__ == "__main__":
    main()
