#!/usr/bin/env python3
"""Protected queries through cleanroomd against plain DuckDB on the same data, in the same run.

Not a test: it prints Markdown tables and writes them into BENCHMARKS.md (see README.md here).

1. Join at scale: two parties of --rows rows each (half the ids overlap), Parquet files in each
   party's own bucket (two accounts), Glue tables, AGGREGATION rules with a COUNT_DISTINCT
   output constraint on the id, and the querier's aggregation joining them on the id, grouped
   by one dimension of each party. Timed from StartProtectedQuery until GetProtectedQuery
   reports SUCCESS (CSV results to the querier's bucket), once with SSE-S3 buckets and once
   with plain ones. Reference in the same rounds: the same SQL on plain DuckDB (bench/
   plain_duckdb, same threads and memory limit as the server's engine) over the same Parquet
   files on local disk; for diagnosis also with the output constraints written as HAVING, and
   through cleanroom_engine (the server's engine layer) over the local files. Results are
   checked to agree before anything is reported.
2. Recipe latency: examples/aws-recipe/recipe.sh's query (two 10-row CSV tables, CUSTOM rules)
   from StartProtectedQuery to SUCCESS, polling every 2 ms over one keep-alive connection;
   reference: the same SQL on plain DuckDB over local CSV files, in-process query time.
3. With --large-rows N (off by default): the join once at N rows per party on a fresh server,
   its duration and the server's peak RSS (VmHWM) against the machine's memory.
"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "test", "e2e"))
sys.path.insert(0, HERE)

import boto3  # noqa: E402
import bench_md  # noqa: E402
import harness  # noqa: E402  (starts cleanroomd, creates accounts)
from cleanrooms_support import CLEANROOMS_TRUST, create_role  # noqa: E402

SCRIPT = "bench/protected_query_bench.py"
TERMINAL = ("SUCCESS", "FAILED", "CANCELLED", "TIMED_OUT")
ENCRYPTION = {"preserveNulls": True, "allowCleartext": False, "allowDuplicates": False,
              "allowJoinsOnColumnsWithDifferentNames": False}
# The server's engine settings (cleanroomd --query-memory-limit / --query-threads; set from the
# command line in main), used by the reference too.
SERVER_MEMORY_LIMIT = "2GB"
SERVER_THREADS = os.cpu_count()

PARTY_A_COLUMNS = [("id", "bigint"), ("region", "string"), ("age_band", "string"),
                   ("amount", "double")]
PARTY_B_COLUMNS = [("id", "bigint"), ("segment", "string"), ("device", "string"),
                   ("score", "bigint")]
ENGINE_TYPES = {"bigint": "BIGINT", "string": "VARCHAR", "double": "DOUBLE", "date": "DATE"}
JOIN_SQL = ("SELECT a.region, b.segment, COUNT(DISTINCT a.id) AS customers, "
            "SUM(a.amount) AS total FROM party_a a JOIN party_b b ON a.id = b.id "
            "GROUP BY a.region, b.segment")

# examples/aws-recipe/recipe.sh, step 1 and step 7 (its query with newlines made spaces, as the
# recipe sends it).
RECIPE_A_CSV = """customer_id,age_group,region,purchase_amount,product_category,registration_date
1001,25-34,east,250.00,electronics,2023-01-15
1002,35-44,west,180.50,clothing,2023-02-20
1003,45-54,central,320.75,home,2023-01-10
1004,25-34,east,95.25,books,2023-03-05
1005,55-64,west,450.00,electronics,2023-02-28
1006,25-34,central,180.00,electronics,2023-01-25
1007,35-44,east,275.50,clothing,2023-02-15
1008,45-54,west,395.25,home,2023-03-01
1009,25-34,central,125.75,books,2023-02-10
1010,55-64,east,520.00,electronics,2023-03-12
"""
RECIPE_B_CSV = """customer_id,age_group,region,engagement_score,channel_preference,last_interaction
2001,25-34,east,85,email,2023-03-15
2002,35-44,west,72,social,2023-03-20
2003,45-54,central,91,email,2023-03-10
2004,25-34,east,68,mobile,2023-03-25
2005,55-64,west,88,email,2023-03-18
2006,25-34,central,76,mobile,2023-03-08
2007,35-44,east,82,email,2023-03-22
2008,45-54,west,94,social,2023-03-05
2009,25-34,central,69,mobile,2023-03-14
2010,55-64,east,87,email,2023-03-20
"""
# Column types as a Glue crawl finds them (test/e2e/cleanrooms_support.py).
RECIPE_A_COLUMNS = [("customer_id", "bigint"), ("age_group", "string"), ("region", "string"),
                    ("purchase_amount", "double"), ("product_category", "string"),
                    ("registration_date", "date")]
RECIPE_B_COLUMNS = [("customer_id", "bigint"), ("age_group", "string"), ("region", "string"),
                    ("engagement_score", "bigint"), ("channel_preference", "string"),
                    ("last_interaction", "date")]
RECIPE_SQL = """SELECT 
    a.age_group,
    a.region,
    COUNT(*) as customer_count,
    AVG(purchase_amount) as avg_purchase_amount,
    AVG(engagement_score) as avg_engagement_score
FROM "org-a-association" a
INNER JOIN "org-b-association" b 
    ON a.age_group = b.age_group 
    AND a.region = b.region
GROUP BY a.age_group, a.region
HAVING COUNT(*) >= 3
""".replace("\n", " ")


# ----- helpers -----------------------------------------------------------------------------------

def median_range(values, fmt="{:.0f}"):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def cpu_seconds(pid):
    """User + system CPU time of process `pid` so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def mem_total_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    return 0


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def dir_bytes(root):
    total = 0
    for dirpath, _, names in os.walk(root):
        for n in names:
            try:
                total += os.path.getsize(os.path.join(dirpath, n))
            except OSError:
                pass
    return total


class SpillSampler(threading.Thread):
    """Samples the size of a spill directory every 200 ms; keeps the maximum."""

    def __init__(self, root):
        super().__init__(daemon=True)
        self.root, self.peak, self.stop_event = root, 0, threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            self.peak = max(self.peak, dir_bytes(self.root))
            time.sleep(0.2)

    def stop(self):
        self.stop_event.set()
        self.join()


class Reference:
    """bench/plain_duckdb serve: one long-lived process (like the server), driven over stdin."""

    def __init__(self, tool, temp_dir, memory_limit=None):
        self.proc = subprocess.Popen(
            [tool, "serve", "--threads", str(SERVER_THREADS), "--memory-limit",
             memory_limit or SERVER_MEMORY_LIMIT, "--temp-dir", temp_dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def call(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(f"plain_duckdb: {line[:80]}...: {answer['error']}")
        return answer

    def table(self, name, columns, files):
        cols = ",".join(f"{n}:{ENGINE_TYPES[t]}" for n, t in columns)
        self.call(f"table {name} {cols} {','.join(files)}")

    def plain(self, out, sql):
        """Runs `sql` on plain DuckDB into CSV file `out`; returns (wall s, CPU s)."""
        answer = self.call(f"plain {out} {sql}")
        return answer["ms"] / 1000, answer["cpu_ms"] / 1000

    def engine(self, out, thresholds, sql):
        """The same through cleanroom_engine, with output constraints `thresholds`
        ("table.column>=min,...")."""
        answer = self.call(f"engine {out} {thresholds or '-'} {sql}")
        return answer["ms"] / 1000, answer["cpu_ms"] / 1000

    def explain(self, out, sql):
        return self.call(f"explain {out} {sql}")["ms"] / 1000

    def peak_rss_kib(self):
        return vm_hwm_kib(self.proc.pid)

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=60)


def read_csv_rows(path_or_text, from_text=False):
    if from_text:
        rows = list(csv.reader(path_or_text.splitlines()))
    else:
        with open(path_or_text, newline="") as f:
            rows = list(csv.reader(f))
    return rows[0], rows[1:]


def same_result(a, b, keys):
    """Two CSV results (header, rows) agree: same header, same groups (the first `keys`
    columns), same values (integers exactly, decimals to a relative 1e-9: sums of doubles
    depend on the order of addition)."""
    (ha, ra), (hb, rb) = a, b
    if [h.lower() for h in ha] != [h.lower() for h in hb]:
        return f"headers differ: {ha} vs {hb}"
    da = {tuple(r[:keys]): r[keys:] for r in ra}
    db = {tuple(r[:keys]): r[keys:] for r in rb}
    if len(da) != len(ra) or len(db) != len(rb):
        return "duplicate groups"
    if da.keys() != db.keys():
        return f"groups differ: {sorted(set(da) ^ set(db))[:5]}"
    for k, va in da.items():
        for x, y in zip(va, db[k]):
            if x == y:
                continue
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                return f"group {k}: {va} vs {db[k]}"
            if not math.isclose(fx, fy, rel_tol=1e-9, abs_tol=1e-9):
                return f"group {k}: {va} vs {db[k]}"
    return None


# ----- the server side ---------------------------------------------------------------------------

class Querier:
    """Runs protected queries as one member and times them from the client's side."""

    def __init__(self, server, account, membership, bucket, poll_s, raw_poll=False):
        """`raw_poll`: poll with one SigV4-signed GET (signed once per query, sent again over
        one keep-alive http.client connection) instead of boto3, which costs the client about
        a millisecond of CPU per call; the start is always a boto3 call."""
        self.cr = server.client("cleanrooms", account)
        self.s3 = server.client("s3", account)
        self.server, self.account, self.pid = server, account, server.proc.pid
        self.membership, self.bucket, self.poll_s = membership, bucket, poll_s
        self.raw_poll, self.conn = raw_poll, None

    def variant(self, poll_s, raw_poll):
        """The same member and bucket, polled differently (a connection of its own)."""
        other = Querier.__new__(Querier)
        other.__dict__.update(self.__dict__)
        other.poll_s, other.raw_poll, other.conn = poll_s, raw_poll, None
        return other

    def _poll_raw(self, qid, headers):
        path = f"/memberships/{self.membership}/protectedQueries/{qid}"
        if headers is None:
            headers = harness.sign_headers(self.server.endpoint, self.account, "GET", path,
                                           service="cleanrooms")
        if self.conn is None:
            self.conn = self.server.connection(timeout=120)
        self.conn.request("GET", path, headers=headers)
        resp = self.conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GetProtectedQuery answered {resp.status}: {body[:300]!r}")
        return json.loads(body)["protectedQuery"], headers

    def run(self, sql, prefix="bench/"):
        """Returns {"wall": seconds from StartProtectedQuery to SUCCESS seen by the client,
        "server": the server's totalDurationInMillis / 1000, "client_cpu": this process's CPU
        seconds meanwhile, "cpu": the server's CPU seconds meanwhile (including the polls it
        answered), "location": where the result is}."""
        if self.raw_poll:
            # A fresh connection for every query: the server closes idle ones.
            if self.conn is not None:
                self.conn.close()
            self.conn = self.server.connection(timeout=120)
            self.conn.connect()
        server_cpu0 = cpu_seconds(self.pid)
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        q = self.cr.start_protected_query(
            membershipIdentifier=self.membership, type="SQL", sqlParameters={"queryString": sql},
            resultConfiguration={"outputConfiguration": {"s3": {
                "resultFormat": "CSV", "bucket": self.bucket, "keyPrefix": prefix}}})
        qid = q["protectedQuery"]["id"]
        headers = None
        while True:
            if self.raw_poll:
                q, headers = self._poll_raw(qid, headers)
            else:
                q = self.cr.get_protected_query(membershipIdentifier=self.membership,
                                                protectedQueryIdentifier=qid)["protectedQuery"]
            if q["status"] in TERMINAL:
                break
            time.sleep(self.poll_s)
        seconds = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        server_cpu = cpu_seconds(self.pid) - server_cpu0
        if q["status"] != "SUCCESS":
            raise RuntimeError(f"protected query {qid} ended {q['status']}: {q.get('error')}")
        return {"wall": seconds, "server": q["statistics"]["totalDurationInMillis"] / 1000,
                "client_cpu": cpu, "cpu": server_cpu,
                "location": q["result"]["output"]["s3"]["location"]}

    def result(self, location):
        """The result's CSV objects under `location`, as (header, rows)."""
        prefix = location.split("/", 3)[3]
        keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=self.bucket,
                                                          Prefix=prefix).get("Contents", [])]
        header, rows = None, []
        for key in sorted(keys):
            text = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read().decode()
            h, r = read_csv_rows(text, from_text=True)
            header = header or h
            rows.extend(r)
        return header, rows


def glue_table(glue, database, name, bucket, prefix, columns, fmt):
    if fmt == "parquet":
        params = {"classification": "parquet"}
        storage = {"InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                   "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                   "SerdeInfo": {"SerializationLibrary":
                                 "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}}
    else:
        params = {"classification": "csv", "skip.header.line.count": "1"}
        storage = {"InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                   "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                   "SerdeInfo": {"SerializationLibrary":
                                 "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                                 "Parameters": {"field.delim": ","}}}
    glue.create_table(DatabaseName=database, TableInput={
        "Name": name, "TableType": "EXTERNAL_TABLE", "Parameters": params,
        "StorageDescriptor": dict(storage, Columns=[{"Name": n, "Type": t} for n, t in columns],
                                  Location=f"s3://{bucket}/{prefix}")})


def make_bucket(s3, name, sse):
    s3.create_bucket(Bucket=name)
    if sse:
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})


def setup_join(server, owner, querier, label, files_a, files_b, sse, minimum, poll_s,
               raw_poll):
    """Party A (`owner`, contributes data) and party B (`querier`, queries and receives) in a
    collaboration of their own; each party's files in its own bucket. Returns a Querier."""
    tables = {}
    for party, account, files, columns in (("a", owner, files_a, PARTY_A_COLUMNS),
                                           ("b", querier, files_b, PARTY_B_COLUMNS)):
        s3, glue, iam = (server.client(s, account) for s in ("s3", "glue", "iam"))
        bucket = f"party-{party}-{label}"
        make_bucket(s3, bucket, sse)
        for path in files:
            s3.upload_file(path, bucket, f"data/{os.path.basename(path)}")
        database = f"party_{party}_{label}"
        glue.create_database(DatabaseInput={"Name": database})
        glue_table(glue, database, f"party_{party}", bucket, "data/", columns, "parquet")
        role = create_role(iam, f"CleanRooms-{label}-{party}", bucket)
        tables[party] = (database, role)
    a_cr, b_cr = server.client("cleanrooms", owner), server.client("cleanrooms", querier)
    cid = b_cr.create_collaboration(
        name=f"bench-{label}", description="protected query benchmark",
        creatorDisplayName="B", creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
        members=[{"accountId": owner.account_id, "memberAbilities": [], "displayName": "A"}],
        queryLogStatus="ENABLED", dataEncryptionMetadata=ENCRYPTION)["collaboration"]["id"]
    b_mid = b_cr.create_membership(collaborationIdentifier=cid,
                                   queryLogStatus="ENABLED")["membership"]["id"]
    a_mid = a_cr.create_membership(collaborationIdentifier=cid,
                                   queryLogStatus="ENABLED")["membership"]["id"]
    constraint = [{"columnName": "id", "minimum": minimum, "type": "COUNT_DISTINCT"}]
    rules = {
        "a": {"v1": {"aggregation": {
            "aggregateColumns": [{"columnNames": ["amount"], "function": "SUM"},
                                 {"columnNames": ["id"], "function": "COUNT_DISTINCT"}],
            "joinColumns": ["id"], "joinRequired": "QUERY_RUNNER",
            "dimensionColumns": ["region", "age_band"], "scalarFunctions": ["ROUND"],
            "outputConstraints": constraint}}},
        "b": {"v1": {"aggregation": {
            "aggregateColumns": [{"columnNames": ["score"], "function": "AVG"}],
            "joinColumns": ["id"], "dimensionColumns": ["segment", "device"],
            "scalarFunctions": ["ROUND"], "outputConstraints": constraint}}},
    }
    for party, cr, mid, columns in (("a", a_cr, a_mid, PARTY_A_COLUMNS),
                                    ("b", b_cr, b_mid, PARTY_B_COLUMNS)):
        database, role = tables[party]
        table = cr.create_configured_table(
            name=f"party_{party}_{label}",
            tableReference={"glue": {"tableName": f"party_{party}", "databaseName": database}},
            allowedColumns=[n for n, _ in columns],
            analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        cr.create_configured_table_analysis_rule(configuredTableIdentifier=table,
                                                 analysisRuleType="AGGREGATION",
                                                 analysisRulePolicy=rules[party])
        assoc = cr.create_configured_table_association(
            name=f"party_{party}", membershipIdentifier=mid, configuredTableIdentifier=table,
            roleArn=role)["configuredTableAssociation"]["id"]
        cr.create_configured_table_association_analysis_rule(
            membershipIdentifier=mid, configuredTableAssociationIdentifier=assoc,
            analysisRuleType="AGGREGATION",
            analysisRulePolicy={"v1": {"aggregation": {
                "allowedResultReceivers": [querier.account_id]}}})
    results = f"results-{label}"
    make_bucket(server.client("s3", querier), results, sse)
    return Querier(server, querier, b_mid, results, poll_s, raw_poll)


def setup_recipe(server, account, workdir, poll_s):
    """The recipe's resources, as examples/aws-recipe/recipe.sh makes them (one account, SSE
    buckets with versioning, CUSTOM rules allowing ANY_QUERY, query logs on)."""
    s3, glue, iam, cr = (server.client(s, account)
                         for s in ("s3", "glue", "iam", "cleanrooms"))
    buckets = {"a": "clean-rooms-data-a-bench", "b": "clean-rooms-data-b-bench"}
    glue.create_database(DatabaseInput={"Name": "clean_rooms_analytics_bench"})
    local = {}
    for org, text, columns in (("a", RECIPE_A_CSV, RECIPE_A_COLUMNS),
                               ("b", RECIPE_B_CSV, RECIPE_B_COLUMNS)):
        make_bucket(s3, buckets[org], True)
        s3.put_bucket_versioning(Bucket=buckets[org],
                                 VersioningConfiguration={"Status": "Enabled"})
        name = f"customer_data_org_{org}.csv"
        s3.put_object(Bucket=buckets[org], Key=f"data/{name}", Body=text.encode())
        local[org] = os.path.join(workdir, name)
        with open(local[org], "w") as f:
            f.write(text)
        glue_table(glue, "clean_rooms_analytics_bench", f"customer_data_org_{org}_data",
                   buckets[org], "data/", columns, "csv")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
         "Resource": ["arn:aws:s3:::clean-rooms-*", "arn:aws:s3:::clean-rooms-*/*"]},
        {"Effect": "Allow", "Action": ["glue:GetTable", "glue:GetTables", "glue:GetDatabase"],
         "Resource": "*"}]})
    role = iam.create_role(RoleName="CleanRoomsAnalyticsRole",
                           AssumeRolePolicyDocument=CLEANROOMS_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="CleanRoomsAnalyticsRole", PolicyName="data",
                        PolicyDocument=policy)
    cid = cr.create_collaboration(
        name="analytics-collaboration-bench", description="recipe",
        creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
        creatorDisplayName="Analytics Lead", queryLogStatus="ENABLED", analyticsEngine="SPARK",
        dataEncryptionMetadata=ENCRYPTION, members=[])["collaboration"]["id"]
    mid = cr.create_membership(collaborationIdentifier=cid,
                               queryLogStatus="ENABLED")["membership"]["id"]
    allowed = {"a": ["age_group", "region", "product_category", "purchase_amount"],
               "b": ["age_group", "region", "channel_preference", "engagement_score"]}
    for org in ("a", "b"):
        table = cr.create_configured_table(
            name=f"org-{org}-customers-bench",
            tableReference={"glue": {"tableName": f"customer_data_org_{org}_data",
                                     "databaseName": "clean_rooms_analytics_bench"}},
            allowedColumns=allowed[org], analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        cr.create_configured_table_analysis_rule(
            configuredTableIdentifier=table, analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {
                "allowedAnalyses": ["ANY_QUERY"],
                "allowedAnalysisProviders": [account.account_id]}}})
        cr.create_configured_table_association(
            name=f"org-{org}-association", membershipIdentifier=mid,
            configuredTableIdentifier=table, roleArn=role)
    make_bucket(s3, "clean-rooms-results-bench", True)
    return Querier(server, account, mid, "clean-rooms-results-bench", poll_s), local


# ----- the benchmark -----------------------------------------------------------------------------

def server_args(memory_limit=None):
    return ["--query-memory-limit", memory_limit or SERVER_MEMORY_LIMIT,
            "--query-threads", str(SERVER_THREADS)]


def generate(tool, workdir, rows, files):
    """Party A ids 0..rows-1, party B ids rows/2..rows/2+rows-1. Returns (files_a, files_b)."""
    out = {}
    for party, first in (("a", 0), ("b", rows // 2)):
        folder = os.path.join(workdir, f"party_{party}_{rows}")
        subprocess.run([tool, "generate", folder, party, str(rows), str(files), str(first)],
                       check=True, timeout=3600)
        out[party] = [os.path.join(folder, f"part-{k}.parquet") for k in range(files)]
    return out["a"], out["b"]


def join_benchmark(args, server, ref, workdir, files_a, files_b, querier_account, owner_account):
    minimum = args.minimum
    queriers = {}
    for label, sse in (("sse", True), ("plain", False)):
        print(f"setting up the {label} collaboration (uploading) ...", flush=True)
        queriers[label] = setup_join(server, owner_account, querier_account, label, files_a,
                                     files_b, sse, minimum, args.poll_ms / 1000, True)
    ref.table("party_a", PARTY_A_COLUMNS, files_a)
    ref.table("party_b", PARTY_B_COLUMNS, files_b)
    having = (f" HAVING COUNT(DISTINCT a.id) >= {minimum} AND COUNT(DISTINCT b.id) >= {minimum}")
    thresholds = f"party_a.id>={minimum},party_b.id>={minimum}"
    out = os.path.join(workdir, "join-ref.csv")

    # Diagnostics of the client's share: the SSE collaboration polled every 50 ms instead, and
    # polled with boto3.
    queriers["sse_slow"] = queriers["sse"].variant(0.05, True)
    queriers["sse_boto3"] = queriers["sse"].variant(args.poll_ms / 1000, False)
    targets = {
        "sse": lambda: queriers["sse"].run(JOIN_SQL),
        "sse_slow": lambda: queriers["sse_slow"].run(JOIN_SQL),
        "sse_boto3": lambda: queriers["sse_boto3"].run(JOIN_SQL),
        "plain": lambda: queriers["plain"].run(JOIN_SQL),
        "duckdb": lambda: ref.plain(out, JOIN_SQL),
        "duckdb_having": lambda: ref.plain(out + ".having", JOIN_SQL + having),
        "engine": lambda: ref.engine(out + ".engine", thresholds, JOIN_SQL),
    }
    print("warming up (one untimed run of each) ...", flush=True)
    for t in targets.values():
        t()
    expected = read_csv_rows(out)
    for name in ("duckdb_having", "engine"):
        diff = same_result(expected, read_csv_rows(out + "." + name.split("_")[-1]), 2)
        if diff:
            raise SystemExit(f"{name} disagrees with plain DuckDB: {diff}")
    # Per target, per round: wall seconds, CPU seconds (the server's, or the reference
    # process's), and for cleanroomd the server-reported duration and the client's CPU.
    runs = {k: {"wall": [], "cpu": [], "server": [], "client_cpu": []} for k in targets}
    order = list(targets)
    for r in range(args.rounds):
        rotated = order[r % len(order):] + order[:r % len(order)]
        for name in rotated:
            got = targets[name]()
            if name in queriers:
                diff = same_result(expected, queriers[name].result(got["location"]), 2)
                if diff:
                    raise SystemExit(f"cleanroomd ({name}) disagrees with plain DuckDB: {diff}")
                for key in ("wall", "cpu", "server", "client_cpu"):
                    runs[name][key].append(got[key])
            else:
                runs[name]["wall"].append(got[0])
                runs[name]["cpu"].append(got[1])
        print(f"  round {r + 1}: " + ", ".join(
            f"{k} {v['wall'][-1]:.3f}s (cpu {v['cpu'][-1]:.2f}s)" for k, v in runs.items()),
            flush=True)
    return {"runs": runs, "groups": len(expected[1]),
            "bytes_a": sum(os.path.getsize(p) for p in files_a),
            "bytes_b": sum(os.path.getsize(p) for p in files_b)}


def recipe_benchmark(args, server, ref, workdir):
    print("setting up the recipe ...", flush=True)
    account = server.create_account("recipe")
    querier, local = setup_recipe(server, account, workdir, args.recipe_poll_ms / 1000)
    ref.table("org-a-association", RECIPE_A_COLUMNS, [local["a"]])
    ref.table("org-b-association", RECIPE_B_COLUMNS, [local["b"]])
    out = os.path.join(workdir, "recipe-ref.csv")
    for _ in range(args.recipe_warmup):
        querier.run(RECIPE_SQL, prefix="query-results/")
        ref.plain(out, RECIPE_SQL)
        ref.engine(out + ".engine", "", RECIPE_SQL)
    expected = read_csv_rows(out)
    diff = same_result(expected, read_csv_rows(out + ".engine"), 2)
    if diff:
        raise SystemExit(f"recipe: cleanroom_engine disagrees with plain DuckDB: {diff}")
    runs = {"client": [], "server": [], "client_cpu": [], "server_cpu": [], "duckdb": [],
            "engine": []}
    location = None
    for _ in range(args.recipe_runs):
        got = querier.run(RECIPE_SQL, prefix="query-results/")
        location = got["location"]
        runs["client"].append(got["wall"])
        runs["server"].append(got["server"])
        runs["client_cpu"].append(got["client_cpu"])
        runs["server_cpu"].append(got["cpu"])
        runs["duckdb"].append(ref.plain(out, RECIPE_SQL)[0])
        runs["engine"].append(ref.engine(out + ".engine", "", RECIPE_SQL)[0])
    diff = same_result(expected, querier.result(location), 2)
    if diff:
        raise SystemExit(f"recipe: cleanroomd disagrees with plain DuckDB: {diff}")
    runs["rows"] = len(expected[1])
    print(f"  recipe: median {statistics.median(runs['client']) * 1000:.1f} ms, "
          f"p90 {percentile(runs['client'], 90) * 1000:.1f} ms; plain DuckDB "
          f"{statistics.median(runs['duckdb']) * 1000:.2f} ms", flush=True)
    return runs


def large_benchmark(args, tool, workdir):
    """The join once per memory limit in --large-memory-limits, at --large-rows rows per party,
    SSE buckets, the server restarted with that limit before each (so VmHWM is the query's),
    and plain DuckDB once with the same limit in a fresh process. A query that fails (e.g. out
    of memory) is recorded as such."""
    rows = args.large_rows
    files = max(4, rows // 2_500_000)
    print(f"large: generating {rows:,} rows per party in {files} files each ...", flush=True)
    t = time.perf_counter()
    files_a, files_b = generate(tool, workdir, rows, files)
    out = {"rows": rows, "files": files, "gen_s": time.perf_counter() - t,
           "bytes": sum(os.path.getsize(p) for p in files_a + files_b), "runs": []}
    limits = [x.strip() for x in args.large_memory_limits.split(",") if x.strip()]
    server = harness.Server(server_args(limits[0]))
    try:
        server.start()
        owner, querier = server.create_account("large-a"), server.create_account("large-b")
        t = time.perf_counter()
        setup = setup_join(server, owner, querier, "large", files_a, files_b, True, args.minimum,
                           0.05, True)
        out["upload_s"] = time.perf_counter() - t
        for i, limit in enumerate(limits):
            if i:
                server.stop(check=True)
                server.extra_args = server_args(limit)
                server.start()
            q = Querier(server, querier, setup.membership, setup.bucket, 0.05, True)
            run = {"limit": limit, "rss_before_kib": vm_hwm_kib(server.proc.pid)}
            print(f"large: the join once, memory limit {limit} ...", flush=True)
            sampler = SpillSampler(os.path.join(server.data_dir, "query-spill"))
            sampler.start()
            t = time.perf_counter()
            result = None
            try:
                got = q.run(JOIN_SQL)
                run.update(ok=True, seconds=got["wall"], server_s=got["server"])
                result = q.result(got["location"])
            except RuntimeError as e:
                run.update(ok=False, seconds=time.perf_counter() - t, error=str(e))
            finally:
                sampler.stop()
            run["rss_kib"] = vm_hwm_kib(server.proc.pid)
            run["spill_bytes"] = sampler.peak
            ref = Reference(tool, os.path.join(workdir, f"spill-large-{i}"), limit)
            try:
                ref.table("party_a", PARTY_A_COLUMNS, files_a)
                ref.table("party_b", PARTY_B_COLUMNS, files_b)
                csv_out = os.path.join(workdir, "large-ref.csv")
                t = time.perf_counter()
                try:
                    run["ref_s"] = ref.plain(csv_out, JOIN_SQL)[0]
                    run["ref_ok"] = True
                    if result is not None:
                        diff = same_result(read_csv_rows(csv_out), result, 2)
                        if diff:
                            raise SystemExit(f"large: cleanroomd disagrees with plain DuckDB: "
                                             f"{diff}")
                        run["agreed"] = True
                except RuntimeError as e:
                    run.update(ref_ok=False, ref_s=time.perf_counter() - t, ref_error=str(e))
                run["ref_rss_kib"] = ref.peak_rss_kib()
            finally:
                ref.close()
            print(f"large: {limit}: {json.dumps(run)}", flush=True)
            out["runs"].append(run)
        server.stop(check=True)
        return out
    finally:
        server.destroy()
        for p in files_a + files_b:
            os.unlink(p)


# ----- report ------------------------------------------------------------------------------------

def ratio_cell(num, den):
    ratios = [n / d for n, d in zip(num, den)]
    return median_range(ratios, "{:.2f}"), statistics.median(ratios)


def report(args, join, recipe, large, meta):
    lines = []
    verdicts = []
    if join:
        r = join["runs"]
        ref, ref_cpu = r["duckdb"]["wall"], r["duckdb"]["cpu"]
        ms = lambda v: median_range([x * 1000 for x in v])  # noqa: E731
        lines += [
            f"### 1. Join at scale: {args.rows:,} rows per party",
            "",
            "| what | wall ms, median (low–high) | / plain DuckDB | CPU s (server or "
            "reference process) | CPU / plain DuckDB |",
            "|---|---:|---:|---:|---:|"]
        poll = f"{args.poll_ms:g} ms"
        rows = [
            (f"**cleanroomd, SSE-S3 buckets: StartProtectedQuery → SUCCESS, polled every {poll}**",
             r["sse"]["wall"], r["sse"]["cpu"]),
            ("cleanroomd, SSE-S3 buckets: the server's run time (totalDurationInMillis)",
             r["sse"]["server"], None),
            ("cleanroomd, SSE-S3 buckets: the same, polled every 50 ms (diagnostic)",
             r["sse_slow"]["wall"], r["sse_slow"]["cpu"]),
            (f"cleanroomd, SSE-S3 buckets: the same, polled every {poll} with boto3 (diagnostic)",
             r["sse_boto3"]["wall"], r["sse_boto3"]["cpu"]),
            (f"**cleanroomd, plain buckets: StartProtectedQuery → SUCCESS, polled every {poll}**",
             r["plain"]["wall"], r["plain"]["cpu"]),
            ("cleanroomd, plain buckets: the server's run time (totalDurationInMillis)",
             r["plain"]["server"], None),
            ("**plain DuckDB, the query as written (reference)**", ref, ref_cpu),
            ("plain DuckDB, with the output constraints as HAVING (diagnostic)",
             r["duckdb_having"]["wall"], r["duckdb_having"]["cpu"]),
            ("cleanroom_engine over the local files (diagnostic)", r["engine"]["wall"],
             r["engine"]["cpu"]),
        ]
        for label, values, cpu_values in rows:
            cells = [ms(values), ratio_cell(values, ref)[0]]
            if cpu_values:
                cells += [median_range(cpu_values, "{:.2f}"), ratio_cell(cpu_values, ref_cpu)[0]]
            else:
                cells += ["", ""]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        # Where the time goes: medians of per-round differences between two rows.
        def diff(a, b):
            d = [(x - y) * 1000 for x, y in zip(a, b)]
            return f"{statistics.median(d):+.0f} ({min(d):+.0f} to {max(d):+.0f})"
        lines += [
            "",
            "Where the time goes (wall ms, median of the per-round differences, lowest to "
            "highest in brackets; the machine's noise is of the same order as some of them):",
            "",
            "| share | rows compared | ms |",
            "|---|---|---:|",
            "| the API: StartProtectedQuery (parse, bind, rule checks), queueing, status "
            "writes, the last poll | SSE wall − SSE server run time "
            f"| {diff(r['sse']['wall'], r['sse']['server'])} |",
            f"| polling every {poll} instead of every 50 ms | SSE − SSE polled every 50 ms "
            f"| {diff(r['sse']['wall'], r['sse_slow']['wall'])} |",
            f"| polling with boto3 instead of a re-sent signed GET | SSE boto3 − SSE "
            f"| {diff(r['sse_boto3']['wall'], r['sse']['wall'])} |",
            "| SSE-S3 decryption of the objects | SSE − plain buckets "
            f"| {diff(r['sse']['wall'], r['plain']['wall'])} |",
            "| the server's run beyond the engine layer over local files (blob store reads, "
            "plan, grants, storing the result) | plain buckets server run time − "
            f"cleanroom_engine | {diff(r['plain']['server'], r['engine']['wall'])} |",
            "| the engine layer (views with casts, the output constraints, reads through its "
            "object file system) | cleanroom_engine − plain DuckDB "
            f"| {diff(r['engine']['wall'], ref)} |",
            "| of which the output constraints themselves, in plain DuckDB | plain DuckDB with "
            f"HAVING − plain DuckDB | {diff(r['duckdb_having']['wall'], ref)} |",
        ]
        sse = ratio_cell(r["sse"]["wall"], ref)[1]
        plain = ratio_cell(r["plain"]["wall"], ref)[1]
        client = {k: statistics.median([c / w for c, w in zip(r[k]["client_cpu"], r[k]["wall"])])
                  for k in ("sse", "sse_boto3")}
        verdicts.append(
            f"Aim 1, StartProtectedQuery → SUCCESS ≤ 1.25 × plain DuckDB: SSE buckets "
            f"{'met' if sse <= 1.25 else 'NOT met'} ({sse:.2f}); plain buckets "
            f"{'met' if plain <= 1.25 else 'NOT met'} ({plain:.2f}).")
        lines += [
            "",
            f"Data: party A ids 0..N-1, party B ids N/2..N/2+N-1 (N = {args.rows:,}; "
            f"{args.rows // 2:,} ids in common), {join['files']} Parquet files per party "
            f"({join['bytes_a'] / 1e6:.0f} MB + {join['bytes_b'] / 1e6:.0f} MB, DuckDB's writer, "
            "row groups of 122,880 rows), uploaded with boto3 `upload_file` (multipart, 8 MiB "
            "parts). Party A: id, region (8 values), age_band (6), amount (double); party B: id, "
            "segment (5), device (4), score. AGGREGATION rules on both, each with a "
            f"COUNT_DISTINCT output constraint on id, minimum {args.minimum}; B queries and "
            f"receives CSV results in its own bucket; query logs on. The query "
            f"(`{JOIN_SQL}`) returns {join['groups']} groups.",
            "",
            f"Each of {args.rounds} rounds runs every row of the table once, in an order rotated "
            "from round to round, after one untimed warm-up run of each. Ratios are computed "
            "within a round. The query is started with boto3; GetProtectedQuery is then polled "
            f"every {poll} with one SigV4-signed GET, signed once per query and sent again over "
            "one keep-alive http.client connection, which costs the client about "
            f"{client['sse'] * 100:.0f}% of one CPU during a query (boto3 at the same rate: "
            f"{client['sse_boto3'] * 100:.0f}%), on the same {os.cpu_count()} CPUs the server "
            "uses; the two diagnostic rows show what the polling itself costs. Plain DuckDB is bench/plain_duckdb (DuckDB "
            f"{meta['duckdb']}, the library the server links) in one long-lived process, with "
            f"the server engine's settings: {SERVER_THREADS} threads, memory_limit "
            f"{SERVER_MEMORY_LIMIT}, a spill directory; it runs `COPY (<query>) TO '<local "
            "file>.csv' (HEADER)` over views `SELECT * FROM read_parquet([...])`. The server "
            "writes its CSV the same way to a spool file, then stores it into the results "
            "bucket. The cleanroomd results were checked against plain DuckDB's after every "
            "run (groups equal, counts exact, sums to 1e-9 relative). CPU is user + system "
            "time of the whole process while the query ran (/proc/<pid>/stat for cleanroomd, "
            "so it includes answering the polls; getrusage in plain_duckdb); it is less "
            "sensitive than wall time to other load on the machine. Server peak RSS after "
            f"these runs (VmHWM): {join['rss_kib'] / 1024:.0f} MiB.",
            ""]
    if recipe:
        c = recipe["client"]
        lines += [
            f"### 2. Recipe query latency ({args.recipe_runs} runs)",
            "",
            "| what | median ms | p90 ms | min ms | max ms |",
            "|---|---:|---:|---:|---:|"]
        for label, values in (
                ("cleanroomd: StartProtectedQuery → SUCCESS seen by the client", c),
                ("cleanroomd: the server's run time (totalDurationInMillis)", recipe["server"]),
                ("plain DuckDB, in-process query time (reference)", recipe["duckdb"]),
                ("cleanroom_engine over the local CSV files, in-process (diagnostic)",
                 recipe["engine"])):
            v = [x * 1000 for x in values]
            lines.append(f"| {label} | {statistics.median(v):.1f} | {percentile(v, 90):.1f} "
                         f"| {min(v):.1f} | {max(v):.1f} |")
        med = statistics.median(c) * 1000
        verdicts.append(f"Aim 2, recipe query median < 150 ms: "
                        f"{'met' if med < 150 else 'NOT met'} ({med:.0f} ms, p90 "
                        f"{percentile(c, 90) * 1000:.0f} ms).")
        lines += [
            "",
            "The query of examples/aws-recipe/recipe.sh (two 10-row CSV tables in SSE-S3 "
            "buckets with versioning, joined on age_group and region, `GROUP BY` with `HAVING "
            f"COUNT(*) >= 3`, {recipe['rows']} result rows), set up as the recipe does it: one "
            "account, CUSTOM rules allowing ANY_QUERY, query logs on, CSV results to an SSE-S3 "
            f"bucket. boto3 over one keep-alive connection, GetProtectedQuery every "
            f"{args.recipe_poll_ms:g} ms; {args.recipe_warmup} untimed runs first. The plain "
            "DuckDB reference runs the same SQL (`COPY ... TO` a local CSV) over views on "
            "`read_csv` of the two local files with the column types given (no sniffing), in "
            "the long-lived process, interleaved with the cleanroomd runs; process and "
            "connection startup are not counted. The result was checked against plain "
            "DuckDB's.",
            ""]
    if large and "error" in large:
        lines += [f"### 3. {args.large_rows:,} rows per party", "",
                  f"The run failed: `{large['error']}`.", ""]
        verdicts.append(f"Aim 3: not measured (the run failed: {large['error']}).")
    elif large:
        mem = meta["mem_kib"]
        gib = lambda kib: f"{kib / 1024 / 1024:.2f} GiB"  # noqa: E731
        lines += [
            f"### 3. {large['rows']:,} rows per party",
            "",
            "| memory limit (server and plain DuckDB) | cleanroomd: StartProtectedQuery → end "
            "| the server's run time | cleanroomd peak RSS (VmHWM) | its spill directory at "
            "most | plain DuckDB | plain DuckDB peak RSS |",
            "|---|---|---:|---:|---:|---|---:|"]
        for run in large["runs"]:
            status = (f"SUCCESS, {run['seconds']:.1f} s" if run["ok"] else
                      f"FAILED after {run['seconds']:.1f} s: "
                      f"{run['error'].split('message')[-1].strip(chr(39) + ': {}')}")
            ref = (f"{run['ref_s']:.1f} s" if run["ref_ok"] else
                   f"failed after {run['ref_s']:.1f} s: "
                   + run["ref_error"].split(": ", 2)[-1].split("(")[0].strip())
            lines.append(
                f"| {run['limit']} | {status} | "
                + (f"{run['server_s']:.1f} s" if run["ok"] else "") +
                f" | {gib(run['rss_kib'])} ({run['rss_kib'] / mem * 100:.0f}% of "
                f"{gib(mem)}) | {run['spill_bytes'] / 1e9:.2f} GB | {ref} "
                f"| {gib(run['ref_rss_kib'])} |")
        done = [run for run in large["runs"] if run["ok"]]
        lines += [
            "",
            f"{large['files']} Parquet files per party, {large['bytes'] / 1e9:.2f} GB in all, in "
            "SSE-S3 buckets, the same query and rules as above. For each limit the server is "
            "restarted with `--query-memory-limit` set to it (VmHWM is then the query's peak), "
            "the join runs once, and plain DuckDB runs it once with the same limit in a fresh "
            "process (its VmHWM likewise). Not counted: generating the data "
            f"({large['gen_s']:.0f} s) and uploading it ({large['upload_s']:.0f} s). "
            + ("Where both succeeded, the results agreed. " if any(r.get("agreed") for r in done)
               else ""),
            ""]
        verdicts.append(
            f"Aim 3, the join at {large['rows']:,} rows per party completes: " + "; ".join(
                (f"with `--query-memory-limit {run['limit']}` met ({run['seconds']:.0f} s, "
                 f"peak RSS {gib(run['rss_kib'])} of {gib(mem)})" if run["ok"] else
                 f"with `--query-memory-limit {run['limit']}` NOT met (FAILED, out of memory"
                 + (", as plain DuckDB with the same limit" if not run["ref_ok"] else "") + ")")
                for run in large["runs"]) + ".")
    elif args.large_rows == 0:
        lines += ["### 3. 100M rows per party", "",
                  "Not run in this run (`--large-rows 0`).", ""]
    lines += ["### Aims", ""] + [f"- {v}" for v in verdicts] + [""]
    lines += [
        f"Run: {meta['when']} on {meta['cpus']} CPUs ({meta['cpu_model']}), "
        f"{meta['mem_kib'] / 1024 / 1024:.1f} GiB RAM, {platform.system()} {platform.release()}, "
        f"load average at start {meta['load']}; cleanroomd `{meta['cleanroomd']}`; "
        f"DuckDB {meta['duckdb']}; Python {platform.python_version()}, boto3 {boto3.__version__}.",
        f"Command: `{meta['command']}`"]
    return "\n".join(lines)


def save(args, meta, join, recipe, large):
    if args.save_json:
        with open(args.save_json, "w") as f:
            json.dump({"args": vars(args), "meta": meta, "join": join, "recipe": recipe,
                       "large": large}, f, indent=1)


def main():
    global SERVER_MEMORY_LIMIT, SERVER_THREADS
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir", nargs="?", default=os.path.join(REPO, "build", "release"),
                    help="a build dir holding src/exe/cleanroomd and bench/plain_duckdb")
    ap.add_argument("--rows", type=int, default=10_000_000, help="rows per party (join)")
    ap.add_argument("--files", type=int, default=0,
                    help="Parquet files per party (default: one per 2.5M rows, at least 4)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--minimum", type=int, default=100,
                    help="the output constraints' COUNT_DISTINCT minimum")
    ap.add_argument("--poll-ms", type=float, default=5, help="GetProtectedQuery poll (join)")
    ap.add_argument("--recipe-runs", type=int, default=30)
    ap.add_argument("--recipe-warmup", type=int, default=3)
    ap.add_argument("--recipe-poll-ms", type=float, default=2)
    ap.add_argument("--memory-limit", default=SERVER_MEMORY_LIMIT,
                    help="the engine's memory limit, server (--query-memory-limit) and reference")
    ap.add_argument("--threads", type=int, default=SERVER_THREADS,
                    help="the engine's threads, server (--query-threads) and reference")
    ap.add_argument("--large-rows", type=int, default=0,
                    help="also run the join once at this many rows per party (e.g. 100000000)")
    ap.add_argument("--large-memory-limits", default="2GB,8GB",
                    help="memory limits the large join runs with, once each")
    ap.add_argument("--skip-join", action="store_true")
    ap.add_argument("--skip-recipe", action="store_true")
    bench_md.add_report_arguments(ap, REPO)
    args = ap.parse_args()
    if args.from_json:
        saved = bench_md.load_saved(args)
        SERVER_MEMORY_LIMIT, SERVER_THREADS = args.memory_limit, args.threads
        body = report(args, saved["join"], saved["recipe"], saved["large"], saved["meta"])
        print(body)
        if not args.no_write:
            bench_md.write_section(args.benchmarks_md, SCRIPT,
                                   "Protected queries (bench/protected_query_bench.py)", body)
        return
    SERVER_MEMORY_LIMIT, SERVER_THREADS = args.memory_limit, args.threads
    cleanroomd, cli, tool = bench_md.server_binaries(ap, args.build_dir)
    meta = {
        "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(), "cpu_model": cpu_model(), "mem_kib": mem_total_kib(),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "cleanroomd": os.path.relpath(cleanroomd, REPO), "duckdb": "v1.4.4",
        "command": "python3 " + " ".join([SCRIPT] + [
            os.path.relpath(a, REPO) if a == args.build_dir else a for a in sys.argv[1:]]),
    }
    if not args.rows or args.files < 0:
        ap.error("--rows must be positive")
    files = args.files or max(4, args.rows // 2_500_000)
    workdir = tempfile.mkdtemp(prefix="cleanroom-pq-bench-", dir=args.work_dir)
    tempfile.tempdir = workdir  # the server's data dir goes here too: one disk for everything
    server = ref = None
    join = recipe = large = None
    try:
        ref = Reference(tool, os.path.join(workdir, "spill"))
        server = harness.Server(server_args())
        server.start()
        if not args.skip_join:
            print(f"generating {args.rows:,} rows per party ...", flush=True)
            files_a, files_b = generate(tool, workdir, args.rows, files)
            owner, querier = server.create_account("party-a"), server.create_account("party-b")
            join = join_benchmark(args, server, ref, workdir, files_a, files_b, querier, owner)
            join["files"] = files
            join["rss_kib"] = vm_hwm_kib(server.proc.pid)
        if not args.skip_recipe:
            recipe = recipe_benchmark(args, server, ref, workdir)
        server.stop(check=True)
        ref.close()
        ref = None
        save(args, meta, join, recipe, None)
        if args.large_rows:
            try:
                large = large_benchmark(args, tool, workdir)
            except Exception as e:  # keep what was measured before; say what went wrong
                print(f"large: {e!r}", flush=True)
                large = {"error": repr(e)}
    finally:
        if ref is not None:
            ref.close()
        if server is not None:
            server.destroy()
        shutil.rmtree(workdir, ignore_errors=True)

    save(args, meta, join, recipe, large)
    body = report(args, join, recipe, large, meta)
    print(body)
    if not args.no_write:
        bench_md.write_section(args.benchmarks_md, SCRIPT,
                               "Protected queries (bench/protected_query_bench.py)", body)


if __name__ == "__main__":
    main()
