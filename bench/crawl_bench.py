#!/usr/bin/env python3
"""Glue crawler speed and memory against the SQL engine reading the same schema directly.

Not a test: it prints a Markdown table and writes it into BENCHMARKS.md (see README.md here).

For a ~1 GB single-file CSV dataset and a ~1 GB Parquet dataset (16 files in 4 Hive
partitions), all in one temp dir on one disk:
  * cleanroomd: the data is uploaded to a bucket with boto3, a crawler (role trusted by
    glue.amazonaws.com, allowed s3:ListBucket/GetObject) is started with StartCrawler, and the
    time from StartCrawler until GetCrawler reports READY again is measured (polled every
    20 ms); the server's resident memory is sampled every 20 ms during the crawl;
  * reference: `engine_schema` (bench/engine_schema.cc, built with the same engine) reads the
    schema of the same files from local disk with the same sniffers (sniff_csv for CSV, the
    Parquet footer for Parquet), in the same run.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "test", "e2e"))
sys.path.insert(0, HERE)

import bench_md  # noqa: E402
import harness  # noqa: E402

GLUE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
READ_S3 = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]})


def write_csv(path, size):
    """A CSV of about `size` bytes: a header, then rows of mixed types."""
    block = []
    for i in range(10000):
        block.append(f"{100000 + i},{i % 97:05d},seg-{i % 13},{i * 1.25:.2f},"
                     f"2024-{1 + i % 12:02d}-{1 + i % 28:02d},{'true' if i % 2 else 'false'}\n")
    block = "".join(block).encode()
    with open(path, "wb") as f:
        f.write(b"customer_id,zip,segment,amount,day,active\n")
        written = 0
        while written < size:
            f.write(block)
            written += len(block)


class RssSampler(threading.Thread):
    """Samples VmRSS of a process every 20 ms until stopped; keeps the maximum (KiB)."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.stop_event = pid, 0, threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.02)

    def stop(self):
        self.stop_event.set()
        self.join()


def crawl(server, glue, name, bucket, prefix, runs=3):
    """Runs crawler `name` `runs` times (the first creates the table, later ones recrawl it).
    Returns (best runtime in seconds as the server measured it, best wall clock from
    StartCrawler to READY seen by polling, peak RSS MiB during the crawls, the table's
    columns)."""
    glue.create_crawler(Name=name, Role="BenchCrawler", DatabaseName="bench",
                        Targets={"S3Targets": [{"Path": f"s3://{bucket}/{prefix}"}]})
    sampler = RssSampler(server.proc.pid)
    sampler.start()
    best = best_wall = None
    for _ in range(runs):
        before = glue.get_crawler(Name=name)["Crawler"].get("LastCrawl", {}).get("StartTime")
        start = time.perf_counter()
        glue.start_crawler(Name=name)
        while True:
            crawler = glue.get_crawler(Name=name)["Crawler"]
            last = crawler.get("LastCrawl", {})
            if crawler["State"] == "READY" and last and last.get("StartTime") != before:
                break
            time.sleep(0.02)
        wall = time.perf_counter() - start
        if last["Status"] != "SUCCEEDED":
            raise SystemExit(f"crawl {name} failed: {last}")
        # The crawl's own duration as the server measured it (microseconds), without polling.
        seconds = glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0][
            "LastRuntimeSeconds"]
        best = seconds if best is None else min(best, seconds)
        best_wall = wall if best_wall is None else min(best_wall, wall)
    sampler.stop()
    tables = glue.get_tables(DatabaseName="bench")["TableList"]
    table = [t for t in tables if t["StorageDescriptor"]["Location"] == f"s3://{bucket}/{prefix}"]
    columns = [(c["Name"], c["Type"]) for c in table[0]["StorageDescriptor"]["Columns"]]
    return best, best_wall, sampler.peak_kib / 1024, columns


def reference(tool, fmt, files, runs=3):
    """Best of `runs` engine_schema timings (seconds)."""
    best = None
    for _ in range(runs):
        out = subprocess.run([tool, "schema", fmt] + files, capture_output=True, text=True,
                             timeout=600, check=True)
        ms = json.loads(out.stdout)["ms"]
        best = ms if best is None else min(best, ms)
    return best / 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir", nargs="?", default=os.path.join(REPO, "build", "release"),
                    help="a build dir holding src/exe/cleanroomd and bench/engine_schema")
    ap.add_argument("--size-mb", type=int, default=1000, help="size of each dataset in MB")
    ap.add_argument("--work-dir", default=None, help="where to put the temp dir")
    ap.add_argument("--benchmarks-md", default=os.path.join(REPO, "BENCHMARKS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    args = ap.parse_args()
    cleanroomd = os.path.join(args.build_dir, "src", "exe", "cleanroomd")
    tool = os.path.join(args.build_dir, "bench", "engine_schema")
    for path in (cleanroomd, tool):
        if not os.access(path, os.X_OK):
            ap.error(f"{path} is missing; build the cleanroomd and engine_schema targets")
    os.environ["CLEANROOMD"] = os.path.abspath(cleanroomd)
    workdir = tempfile.mkdtemp(prefix="cleanroom-crawl-bench-", dir=args.work_dir)
    tempfile.tempdir = workdir
    size = args.size_mb * 1_000_000
    server = None
    rows = []
    try:
        print("generating data ...", flush=True)
        csv_path = os.path.join(workdir, "customers.csv")
        write_csv(csv_path, size)
        parquet_dir = os.path.join(workdir, "sales")
        subprocess.run([tool, "generate-parquet", parquet_dir, str(size)], check=True, timeout=1800)
        parquet_files = sorted(harness.walk_files(parquet_dir))

        server = harness.Server()
        server.start()
        account = server.admin  # the bootstrap administrator, an ordinary account here
        s3 = server.client("s3", account)
        iam = server.client("iam", account)
        glue = server.client("glue", account)
        iam.create_role(RoleName="BenchCrawler", AssumeRolePolicyDocument=GLUE_TRUST)
        iam.put_role_policy(RoleName="BenchCrawler", PolicyName="read", PolicyDocument=READ_S3)
        glue.create_database(DatabaseInput={"Name": "bench"})
        s3.create_bucket(Bucket="bench-data")
        print("uploading ...", flush=True)
        s3.upload_file(csv_path, "bench-data", "csv/customers/customers.csv")
        for path in parquet_files:
            rel = os.path.relpath(path, parquet_dir)
            s3.upload_file(path, "bench-data", f"parquet/sales/{rel}")
        csv_bytes = os.path.getsize(csv_path)
        parquet_bytes = sum(os.path.getsize(p) for p in parquet_files)

        print("crawling ...", flush=True)
        for label, name, prefix, fmt, files, nbytes in (
                ("CSV, 1 file", "csv-crawler", "csv/customers/", "csv", [csv_path], csv_bytes),
                ("Parquet, 16 files in 4 partitions", "parquet-crawler", "parquet/sales/",
                 "parquet", parquet_files, parquet_bytes)):
            seconds, wall, peak_mib, columns = crawl(server, glue, name, "bench-data", prefix)
            ref = reference(tool, fmt, files)
            rows.append((label, nbytes, seconds, wall, ref, peak_mib, columns))
            print(f"  {label}: crawl {seconds:.3f}s (client {wall:.3f}s), engine {ref:.3f}s, "
                  f"ratio {seconds / ref:.2f}, peak RSS {peak_mib:.0f} MiB; {columns}",
                  flush=True)
        server.stop(check=True)
    finally:
        if server is not None:
            server.destroy()
        shutil.rmtree(workdir, ignore_errors=True)

    lines = ["| dataset | bytes | crawl runtime | StartCrawler → READY seen by the client "
             "| engine reading the schema | crawl / engine | server peak RSS during crawl |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for label, nbytes, seconds, wall, ref, peak_mib, _ in rows:
        lines.append(f"| {label} | {nbytes / 1e9:.2f} GB | {seconds * 1000:.0f} ms "
                     f"| {wall * 1000:.0f} ms | {ref * 1000:.0f} ms | {seconds / ref:.2f} "
                     f"| {peak_mib:.0f} MiB |")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    notes = (
        "The crawl runtime is the server's own measure (GetCrawlerMetrics LastRuntimeSeconds, "
        "from the start of the crawl to its catalog write committed); the client column is wall "
        "clock from StartCrawler until GetCrawler, polled every 20 ms, reports READY. The reference is `bench/engine_schema` — the same DuckDB build reading the "
        "schema of the same files from local disk with the same sniffers. Both sides are the best "
        "of 3, in the same run (the first crawl creates the table, the others recrawl it). The crawler reads objects through the role, from the blob store, and for "
        "CSV also verifies the sniffed types over the first MiB; aim: crawl / engine ≤ 1.5.\n\n"
        f"Run: {when} on {os.cpu_count()} CPUs, {platform.system()} {platform.release()}.\n"
        f"Command: `python3 bench/crawl_bench.py {os.path.relpath(args.build_dir, REPO)}"
        f" --size-mb {args.size_mb}`")
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        bench_md.write_section(args.benchmarks_md, "bench/crawl_bench.py",
                               "Glue crawler (bench/crawl_bench.py)", table + "\n\n" + notes)


if __name__ == "__main__":
    main()
