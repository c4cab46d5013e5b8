#!/usr/bin/env python3
"""A differentially private protected query against the same query without differential privacy,
on the same data, in the same run.

Not a test: it prints Markdown tables and writes them into BENCHMARKS.md (see README.md here).

--rows rows (default 10M) of --users users (default 1M; a row's user is hash(i) mod users, so
about rows/users rows each), a campaign (--campaigns values, default 20) and a numeric value v,
in Parquet files in one bucket, described by one Glue table. Two configured tables over that
Glue table: one under a CUSTOM rule with differentialPrivacy on user_id (in a collaboration with
a privacy budget template), one under a CUSTOM rule without it (in a collaboration of its own).
The same grouped aggregation,

    SELECT campaign, COUNT(*), COUNT(DISTINCT user_id), SUM(v) FROM t GROUP BY campaign

is timed on both from StartProtectedQuery until GetProtectedQuery reports SUCCESS (CSV results
to the querier's bucket), and on plain DuckDB (bench/plain_duckdb) over the same files on local
disk. The server bounds this query's contributions in memory (src/engine/dp_bounding.h). For
comparison, every round also runs the SQL statements the engine runs instead when it cannot
(src/engine/dp_query.cc: the aggregation per user and group straight from the scan, the one per
user, the three histograms, the choice of groups for users with too many and the per-group
statistics) on plain DuckDB, one statement at a time, so that the stages can be timed; and the DP
query's own end of computation is taken from its result spool file (written before the query is
held for its stretched duration).
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
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
import protected_query_bench as pqb  # noqa: E402  (plain DuckDB reference, timing client)
from cleanrooms_support import create_role  # noqa: E402

SCRIPT = "bench/dp_query_bench.py"
COLUMNS = [("user_id", "bigint"), ("campaign", "string"), ("v", "double")]
SQL = ("SELECT campaign, COUNT(*) AS n, COUNT(DISTINCT user_id) AS users, SUM(v) AS total "
       "FROM {table} GROUP BY campaign")
DP_TABLE, PLAIN_TABLE = "dp_events", "events"
# Engine constants (src/engine/dp_query.h), for the stage diagnostic.
MAX_ROW_EXPONENT, MIN_VALUE_EXPONENT, MAX_VALUE_EXPONENT, GRID_BITS = 8, -16, 48, 12
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# ----- data ------------------------------------------------------------------------------------

def generate(ref, folder, rows, users, campaigns, files):
    """Writes the Parquet files with plain DuckDB (the reference process). Row i: user
    hash(i) mod users, campaign c00..c<campaigns-1> and v in [0, 1000) from other hashes of i."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for f in range(files):
        lo, hi = rows * f // files, rows * (f + 1) // files
        path = os.path.join(folder, f"part-{f}.parquet")
        ref.call(f"exec {path}.txt COPY (SELECT (hash(i) % {users})::BIGINT AS user_id, "
                 f"'c' || lpad((hash(i + 1000000000000) % {campaigns})::VARCHAR, 2, '0') "
                 f"AS campaign, (hash(i + 2000000000000) % 100000)::DOUBLE / 100 AS v "
                 f"FROM range({lo}, {hi}) t(i)) TO '{path}' (FORMAT parquet)")
        os.unlink(path + ".txt")
        paths.append(path)
    return paths


# ----- the server side -------------------------------------------------------------------------

def setup(server, owner, querier, paths, epsilon, noise, poll_s):
    """The owner's bucket, Glue table and role; a DP collaboration and a plain one, both with
    the querier querying and receiving results. Returns {"dp": Querier, "plain": Querier}."""
    s3, glue, iam = (server.client(s, owner) for s in ("s3", "glue", "iam"))
    bucket = "dp-bench-data"
    s3.create_bucket(Bucket=bucket)
    for path in paths:
        s3.upload_file(path, bucket, f"data/{os.path.basename(path)}")
    glue.create_database(DatabaseInput={"Name": "bench"})
    pqb.glue_table(glue, "bench", "events", bucket, "data/", COLUMNS, "parquet")
    role = create_role(iam, "CleanRooms-dp-bench", bucket)
    o_cr, q_cr = server.client("cleanrooms", owner), server.client("cleanrooms", querier)
    results = "dp-bench-results"
    server.client("s3", querier).create_bucket(Bucket=results)
    out = {}
    for label, name in (("dp", DP_TABLE), ("plain", PLAIN_TABLE)):
        cid = q_cr.create_collaboration(
            name=f"dp-bench-{label}", description="dp benchmark", creatorDisplayName="Q",
            creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
            members=[{"accountId": owner.account_id, "memberAbilities": [],
                      "displayName": "O"}], queryLogStatus="DISABLED")["collaboration"]["id"]
        q_mid = q_cr.create_membership(collaborationIdentifier=cid,
                                       queryLogStatus="DISABLED")["membership"]["id"]
        o_mid = o_cr.create_membership(collaborationIdentifier=cid,
                                       queryLogStatus="DISABLED")["membership"]["id"]
        custom = {"allowedAnalyses": ["ANY_QUERY"],
                  "allowedAnalysisProviders": [querier.account_id]}
        if label == "dp":
            custom["differentialPrivacy"] = {"columns": [{"name": "user_id"}]}
        table = o_cr.create_configured_table(
            name=f"bench-{label}", allowedColumns=[n for n, _ in COLUMNS],
            tableReference={"glue": {"databaseName": "bench", "tableName": "events"}},
            analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        o_cr.create_configured_table_analysis_rule(
            configuredTableIdentifier=table, analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": custom}})
        assoc = o_cr.create_configured_table_association(
            name=name, membershipIdentifier=o_mid, configuredTableIdentifier=table,
            roleArn=role)["configuredTableAssociation"]["id"]
        o_cr.create_configured_table_association_analysis_rule(
            membershipIdentifier=o_mid, configuredTableAssociationIdentifier=assoc,
            analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {"allowedResultReceivers": [querier.account_id]}}})
        if label == "dp":
            o_cr.create_privacy_budget_template(
                membershipIdentifier=o_mid, privacyBudgetType="DIFFERENTIAL_PRIVACY",
                autoRefresh="NONE", parameters={"differentialPrivacy": {
                    "epsilon": epsilon, "usersNoisePerQuery": noise}})
        out[label] = pqb.Querier(server, querier, q_mid, results, poll_s, raw_poll=True)
    return out


def remaining_count(querier):
    budgets = querier.cr.list_privacy_budgets(
        membershipIdentifier=querier.membership,
        privacyBudgetType="DIFFERENTIAL_PRIVACY")["privacyBudgetSummaries"]
    return {a["type"]: a["remainingCount"]
            for a in budgets[0]["budget"]["differentialPrivacy"]["aggregations"]}["COUNT"]


class SpoolWatcher(threading.Thread):
    """Records, every 2 ms, the modification time of each file in the server's result spool
    directory (data/query-results/<query id>.csv). A DP query writes its result there at the end
    of its computation and keeps it while it is held to its padded duration."""

    def __init__(self, directory):
        super().__init__(daemon=True)
        self.directory, self.seen, self.stop_event = directory, {}, threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            try:
                with os.scandir(self.directory) as it:
                    for e in it:
                        try:
                            m = e.stat().st_mtime_ns
                        except OSError:
                            continue
                        self.seen[e.name] = max(m, self.seen.get(e.name, 0))
            except OSError:
                pass
            time.sleep(0.002)

    def stop(self):
        self.stop_event.set()
        self.join()


def run_query(querier, sql, watcher=None):
    """Querier.run plus, for a watched query, the wall seconds from the start until its result
    spool file was last written ("computed"), and the query's details."""
    t0 = time.time()
    got = querier.run(sql)
    qid = UUID.findall(got["location"])[-1]
    q = querier.cr.get_protected_query(membershipIdentifier=querier.membership,
                                       protectedQueryIdentifier=qid)["protectedQuery"]
    got["qid"] = qid
    got["sensitivity"] = q.get("differentialPrivacy", {}).get("sensitivityParameters")
    got["server_ms"] = q["statistics"]["totalDurationInMillis"]
    if watcher is not None:
        mtime = max((m for name, m in watcher.seen.items() if name.startswith(qid)), default=None)
        got["computed"] = None if mtime is None else mtime / 1e9 - t0
    return got


# ----- the DP pipeline's statements on plain DuckDB ----------------------------------------------

def dp_stages(source, row_limit, group_limit, bound_exponent):
    """(stage, SQL) pairs: what Engine::ExecuteDp runs for the benchmark's query
    (src/engine/dp_query.cc), `row_limit` C (rows' worth per user and group), `group_limit` L
    and the value bound 2^e as the mechanism chose them."""
    c = row_limit
    bound = f"CAST('{float(c * 2 ** bound_exponent)!r}' AS DOUBLE)"
    scale = f"CAST('{float(2 ** (GRID_BITS - bound_exponent))!r}' AS DOUBLE)"
    shrink = f"(CASE WHEN __nv0 > {c} THEN {c} / __nv0 ELSE 1 END)"
    v = "(CASE WHEN isfinite(__v0) THEN __v0 END)"
    min_magnitude = f"CAST('{float(2 ** MIN_VALUE_EXPONENT)!r}' AS DOUBLE)"
    big = f"(SELECT __u FROM __dp_users WHERE __g > {group_limit}) b ON g.__u = b.__u"
    return [
        ("1. per user and group, straight from the scan: rows, count, sum and largest abs(v) "
         "(GROUP BY __u, __k0 over TRY(user_id), TRY(campaign), TRY_CAST(TRY(v) AS DOUBLE); "
         "here a temporary table, which the engine keeps as an in-memory result instead, as it "
         "does stage 2)",
         "CREATE OR REPLACE TEMP TABLE __dp_ug AS SELECT __u, __k0, count(*) AS __n, "
         f"count({v}) AS __nv0, sum({v}) AS __s0, max(abs({v})) AS __m0 "
         "FROM (SELECT TRY(user_id) AS __u, TRY(campaign) AS __k0, TRY_CAST(TRY(v) AS DOUBLE) "
         f"AS __v0 FROM {source}) WHERE __u IS NOT NULL GROUP BY __u, __k0"),
        ("2. per user: groups, most rows in a group, largest abs(v) (GROUP BY __u over stage 1)",
         "CREATE OR REPLACE TEMP TABLE __dp_users AS SELECT __u, count(*) AS __g, max(__n) AS __r, "
         "max(__m0) AS __m0 FROM __dp_ug GROUP BY __u"),
        ("3. the three histograms of users (over stage 2)",
         f"SELECT 'r', CAST(least({MAX_ROW_EXPONENT}, ceil(log2(greatest(1, __r)))) AS INTEGER) AS b, "
         "count(*) FROM __dp_users GROUP BY b UNION ALL "
         f"SELECT 'g', CAST(least({MAX_ROW_EXPONENT}, ceil(log2(greatest(1, __g)))) AS INTEGER) AS b, "
         "count(*) FROM __dp_users GROUP BY b UNION ALL "
         f"SELECT 'm', CAST(CASE WHEN __m0 IS NULL OR __m0 <= {min_magnitude} THEN {MIN_VALUE_EXPONENT} "
         f"ELSE least({MAX_VALUE_EXPONENT}, ceil(log2(__m0))) END AS INTEGER) AS b, count(*) "
         "FROM __dp_users GROUP BY b"),
        ("4. per-group statistics: L groups per user (a row_number() window only over the users "
         "with more than L), counts capped at C, sums scaled, clamped, on the grid",
         f"WITH kept AS (SELECT g.* FROM __dp_ug g ANTI JOIN {big} UNION ALL SELECT * EXCLUDE "
         "(__gn) FROM (SELECT g.*, row_number() OVER (PARTITION BY g.__u ORDER BY random()) AS "
         f"__gn FROM __dp_ug g SEMI JOIN {big}) WHERE __gn <= {group_limit}) SELECT __k0, "
         f"count(*), sum(least(__n, {c})), count(*), sum(least(__nv0, {c})), "
         f"sum(CAST(round(greatest(-{bound}, least({bound}, coalesce(__s0, 0) * {shrink})) * {scale}) "
         "AS HUGEINT)) FROM kept GROUP BY __k0"),
    ]


# The stages that make up the engine's pipeline.
PIPELINE = ("1.", "2.", "3.", "4.")


def run_stages(ref, workdir, stages):
    """Runs every stage once on plain DuckDB; returns {stage: (wall s, CPU s)}."""
    out = {}
    for label, sql in stages:
        answer = ref.call(f"exec {os.path.join(workdir, 'stage.txt')} {sql}")
        out[label] = (answer["ms"] / 1000, answer["cpu_ms"] / 1000)
    for table in ("__dp_users", "__dp_ug"):
        ref.call(f"exec {os.path.join(workdir, 'stage.txt')} DROP TABLE IF EXISTS {table}")
    return out


# ----- checks ----------------------------------------------------------------------------------

def check_dp(expected, got, tolerance, noise, row_limit):
    """The DP result has the same campaigns as the exact one and user counts within
    `tolerance` (relative) of the exact ones; COUNT(*) is at most the exact count plus that;
    both give 6 noise standard deviations on top (sigma <= N C L sqrt(7/3): 7 releases share the
    query's 3 units, and userContributionLimit = C L bounds both sensitivities, sqrt(L) C and
    sqrt(L))."""
    (_, exact_rows), (header, rows) = expected, got
    slack = 6 * noise * row_limit * math.sqrt(7 / 3)
    exact = {r[0]: r for r in exact_rows}
    noisy = {r[0]: r for r in rows}
    if sorted(exact) != sorted(noisy):
        return f"campaigns differ: {sorted(set(exact) ^ set(noisy))[:5]}"
    for c, r in noisy.items():
        users, n = float(r[2]), float(r[1])
        if abs(users - float(exact[c][2])) > tolerance * float(exact[c][2]) + slack:
            return f"{c}: {users} users, exactly {exact[c][2]}"
        if n > (1 + tolerance) * float(exact[c][1]) + slack:
            return f"{c}: COUNT(*) {n}, exactly {exact[c][1]}"
    return None


# ----- the benchmark ---------------------------------------------------------------------------

def measure(args, server, ref, workdir, queriers, paths):
    ref.table("t", COLUMNS, paths)
    out_csv = os.path.join(workdir, "ref.csv")
    dp_sql, plain_sql = SQL.format(table=DP_TABLE), SQL.format(table=PLAIN_TABLE)
    watcher = SpoolWatcher(os.path.join(server.data_dir, "query-results"))
    watcher.start()
    try:
        needed = 3 * (args.rounds + 1)
        left = remaining_count(queriers["dp"])
        if left < needed:
            raise SystemExit(f"the budget allows {left} COUNT units, the run needs {needed}: "
                             "raise --epsilon or --noise")
        stages = None
        targets = {
            "dp": lambda: run_query(queriers["dp"], dp_sql, watcher),
            "plain": lambda: run_query(queriers["plain"], plain_sql, watcher),
            "duckdb": lambda: ref.plain(out_csv, SQL.format(table="t")),
            "stages": lambda: run_stages(ref, workdir, stages),
        }
        print("warming up (one untimed run of each) ...", flush=True)
        first_dp = targets["dp"]()
        targets["plain"]()
        targets["duckdb"]()
        k = first_dp["sensitivity"][0]["userContributionLimit"]
        e = int(math.log2(first_dp["sensitivity"][2]["maxColumnValue"]))
        # userContributionLimit is C L; L is not reported on its own. Users here have about as
        # many campaigns as rows (up to 20), so L is taken from that and C from the rest.
        group_limit = min(k, 2 ** math.ceil(math.log2(min(args.campaigns, args.rows / args.users))))
        stages = dp_stages("t", max(1, k // group_limit), group_limit, e)
        targets["stages"]()
        expected = pqb.read_csv_rows(out_csv)
        runs = {"dp": [], "plain": [], "duckdb": [], "stages": []}
        order = list(targets)
        for r in range(args.rounds):
            rotated = order[r % len(order):] + order[:r % len(order)]
            for name in rotated:
                got = targets[name]()
                if name in ("dp", "plain"):
                    result = queriers[name].result(got["location"])
                    diff = (check_dp(expected, result, args.tolerance, args.noise,
                                     got["sensitivity"][0]["userContributionLimit"])
                            if name == "dp" else pqb.same_result(expected, result, 1))
                    if diff:
                        raise SystemExit(f"cleanroomd ({name}) disagrees with plain DuckDB: {diff}")
                    runs[name].append({k2: got[k2] for k2 in
                                       ("wall", "cpu", "server", "client_cpu", "computed",
                                        "server_ms", "sensitivity")})
                elif name == "duckdb":
                    runs[name].append({"wall": got[0], "cpu": got[1]})
                else:
                    runs[name].append({label: list(v) for label, v in got.items()})
            d, p = runs["dp"][-1], runs["plain"][-1]
            stages_s = sum(v[0] for s, v in runs["stages"][-1].items() if s.startswith(PIPELINE))
            computed = "?" if d["computed"] is None else f"{d['computed']:.2f}s"
            print(f"  round {r + 1}: DP {d['wall']:.2f}s (computed {computed}, held to "
                  f"{d['server_ms']} ms, cpu {d['cpu']:.2f}s), plain {p['wall']:.2f}s "
                  f"(cpu {p['cpu']:.2f}s), DuckDB {runs['duckdb'][-1]['wall']:.2f}s, DP stages "
                  f"on DuckDB {stages_s:.2f}s",
                  flush=True)
        return {"runs": runs, "groups": len(expected[1]), "row_limit": max(1, k // group_limit),
                "group_limit": group_limit, "bound_exponent": e,
                "stages": [label for label, _ in stages],
                "bytes": sum(os.path.getsize(p) for p in paths), "files": len(paths),
                "remaining_after": remaining_count(queriers["dp"])}
    finally:
        watcher.stop()


# ----- report ----------------------------------------------------------------------------------

def report(args, m, meta):
    r = m["runs"]
    med = statistics.median
    mr = pqb.median_range

    def col(name, key):
        return [x[key] for x in r[name]]

    def pipeline(run):
        return sum(v[0] for s, v in run.items() if s.startswith(PIPELINE))

    def pipeline_cpu(run):
        return sum(v[1] for s, v in run.items() if s.startswith(PIPELINE))

    plain_wall, plain_cpu = col("plain", "wall"), col("plain", "cpu")
    duck_wall, duck_cpu = col("duckdb", "wall"), col("duckdb", "cpu")
    computed = [x["computed"] for x in r["dp"]]
    have_computed = all(c is not None for c in computed)
    stage_wall = [pipeline(x) for x in r["stages"]]
    stage_cpu = [pipeline_cpu(x) for x in r["stages"]]

    def ratio(num, den):
        return mr([a / b for a, b in zip(num, den)], "{:.2f}")

    ms = lambda v: mr([x * 1000 for x in v])  # noqa: E731
    lines = [
        f"### {args.rows:,} rows, {args.users:,} users, {args.campaigns} campaigns",
        "",
        "| what | wall ms, median (low–high) | / cleanroomd without DP | / plain DuckDB | CPU s "
        "(server or reference process) | CPU / cleanroomd without DP |",
        "|---|---:|---:|---:|---:|---:|"]
    rows = [
        ("**cleanroomd, DP table: StartProtectedQuery → SUCCESS**", col("dp", "wall"),
         col("dp", "cpu")),
        ("cleanroomd, DP table: StartProtectedQuery → result computed (its spool file written, "
         "before the hold)", computed if have_computed else None, None),
        ("cleanroomd, DP table: the reported run time (totalDurationInMillis, the hold)",
         col("dp", "server"), None),
        ("**cleanroomd, same data under CUSTOM without DP: StartProtectedQuery → SUCCESS**",
         plain_wall, plain_cpu),
        ("cleanroomd, without DP: the server's run time (totalDurationInMillis)",
         col("plain", "server"), None),
        ("**plain DuckDB, the query as written (reference)**", duck_wall, duck_cpu),
        ("plain DuckDB, the SQL statements 1–4 of the DP pipeline, one after the other "
         "(diagnostic: what the server runs instead when it cannot bound in memory)",
         stage_wall, stage_cpu),
    ]
    for label, values, cpu in rows:
        if values is None:
            lines.append(f"| {label} | not observed in every round | | | | |")
            continue
        cells = [ms(values), ratio(values, plain_wall), ratio(values, duck_wall)]
        cells += ([mr(cpu, "{:.2f}"), ratio(cpu, plain_cpu)] if cpu else ["", ""])
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    # Stages.
    lines += [
        "",
        "The server bounds this query's contributions in memory (src/engine/dp_bounding.h: "
        "its user identifiers and GROUP BY keys compare as bytes and its rows fit in memory). "
        "Where it cannot, Engine::ExecuteDp runs SQL statements instead "
        "(src/engine/dp_query.cc); here they are, "
        "on plain DuckDB over the same local files, one at a time, "
        f"with C = {m['row_limit']} rows' worth per user and group, L = {m['group_limit']} "
        f"groups per user and values clamped to ±2^{m['bound_exponent']} per row (C L and the "
        "bound as the server reported them; L is not reported on its own, so it is set to what "
        "these users' group counts give):",
        "",
        "| stage | wall ms, median (low–high) | share of stages 1–4 | CPU s | / plain DuckDB's "
        "whole query |",
        "|---|---:|---:|---:|---:|"]
    total = med(stage_wall)
    for label in m["stages"]:
        wall = [x[label][0] for x in r["stages"]]
        cpu = [x[label][1] for x in r["stages"]]
        share = f"{med(wall) / total * 100:.0f}%" if label.startswith(PIPELINE) else \
            f"({med(wall) / total * 100:.0f}%)"
        lines.append(f"| {label} | {ms(wall)} | {share} | {mr(cpu, '{:.2f}')} | "
                     f"{ratio(wall, duck_wall)} |")
    lines.append(f"| stages 1–4 | {ms(stage_wall)} | 100% | {mr(stage_cpu, '{:.2f}')} | "
                 f"{ratio(stage_wall, duck_wall)} |")

    dp_ratio = med([a / b for a, b in zip(col("dp", "wall"), plain_wall)])
    verdict = (f"Aim, DP ≤ 1.5 × the same query without DP (StartProtectedQuery → SUCCESS): "
               f"{'met' if dp_ratio <= 1.5 else 'NOT met'} ({dp_ratio:.2f})")
    if have_computed:
        c_ratio = med([a / b for a, b in zip(computed, plain_wall)])
        verdict += (f"; until the DP result is computed, before the hold: {c_ratio:.2f}")
    verdict += "."
    holds = [x["server_ms"] for x in r["dp"]]
    stretch = [x["server_ms"] / max(1000, c * 1000) for x, c in zip(r["dp"], computed)] \
        if have_computed else []
    first = r["dp"][0]["sensitivity"]
    lines += [
        "",
        f"- {verdict}",
        "",
        f"Data: {args.rows:,} rows in {m['files']} Parquet files ({m['bytes'] / 1e6:.0f} MB, "
        "DuckDB's writer), uploaded with boto3 into one bucket (no SSE) and described by one Glue "
        f"table; row i belongs to user hash(i) mod {args.users:,} (about "
        f"{args.rows / args.users:.0f} rows per user), campaign c00..c{args.campaigns - 1:02d} and "
        "v in [0, 1000) from other hashes of i. Two configured tables over that Glue table: "
        "CUSTOM with differentialPrivacy on user_id, in a collaboration whose budget template "
        f"has epsilon {args.epsilon} and usersNoisePerQuery {args.noise}; and CUSTOM without it, "
        "in a collaboration of its own. Query: "
        f"`{SQL.format(table='t')}`, {m['groups']} groups, CSV results to the querier's bucket. "
        f"The DP query costs 3 budget units; its sensitivity parameters: userContributionLimit (C L) = "
        f"{first[0]['userContributionLimit']}, SUM bounded to ±{first[2]['maxColumnValue']:g}. "
        "Every DP result was checked to release the same campaigns as the exact answer, user "
        f"counts within {args.tolerance:.0%} (plus 6 noise standard deviations) of the exact "
        "ones; every result without DP equals plain DuckDB's.",
        "",
        "A DP query's results are released only after a hold, a timing-channel defence "
        "(`dp::PaddedDurationMillis`): its run time, at least a second, stretched by a factor "
        "2^(s/2) with s uniform in [0, 1) for each query, so between 1 and 1.41 and 1.195 on "
        "average; StartProtectedQuery → SUCCESS of the DP query includes it. The holds seen in "
        f"this run: {min(holds)} to {max(holds)} ms"
        + (f", {mr(stretch, '{:.2f}')} times the computation" if stretch else "")
        + ". The row \"result "
        "computed\" is taken from the modification time of the query's result spool file "
        "(data/query-results/<id>.csv, sampled every 2 ms), which the engine writes at the end of "
        "its computation, before the hold. The server's CPU time covers the hold too (the polls "
        "it answers meanwhile).",
        "",
        f"Each of {args.rounds} rounds runs the DP query, the query without DP, plain DuckDB and "
        "the stage diagnostic once each, in an order rotated from round to round, after one "
        "untimed warm-up run of each; ratios are computed within a round. GetProtectedQuery is "
        f"polled every {args.poll_ms:g} ms with one re-sent SigV4-signed GET over a keep-alive "
        "connection (as in bench/protected_query_bench.py). Plain DuckDB is bench/plain_duckdb "
        f"(DuckDB {meta['duckdb']}, the library the server links), one long-lived process with "
        f"the server engine's settings ({args.threads} threads, memory_limit "
        f"{args.memory_limit}), over a view on `read_parquet` of the same files on local disk. "
        "The machine is shared and small: single rounds vary by ±20% or more; compare the "
        "ratios, not the absolute times.",
        "",
        f"Run: {meta['when']} on {meta['cpus']} CPUs ({meta['cpu_model']}), "
        f"{meta['mem_kib'] / 1024 / 1024:.1f} GiB RAM, {platform.system()} {platform.release()}, "
        f"load average at start {meta['load']}; cleanroomd `{meta['cleanroomd']}`"
        + (f" (git {meta['tree']})" if meta.get("tree") else "") +
        f"; DuckDB {meta['duckdb']}; Python {platform.python_version()}, boto3 "
        f"{meta['boto3']}.",
        f"Command: `{meta['command']}`"]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build_dir", nargs="?", default=os.path.join(REPO, "build", "release"),
                    help="a build dir holding src/exe/cleanroomd and bench/plain_duckdb")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--users", type=int, default=1_000_000)
    ap.add_argument("--campaigns", type=int, default=20)
    ap.add_argument("--files", type=int, default=4, help="Parquet files")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--epsilon", type=int, default=20, help="of the budget template")
    ap.add_argument("--noise", type=int, default=10, help="usersNoisePerQuery of the template")
    ap.add_argument("--tolerance", type=float, default=0.05,
                    help="how far (relative) DP user counts may be from the exact ones")
    ap.add_argument("--poll-ms", type=float, default=5, help="GetProtectedQuery poll")
    ap.add_argument("--memory-limit", default="2GB",
                    help="the engine's memory limit, server (--query-memory-limit) and reference")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="the engine's threads, server (--query-threads) and reference")
    bench_md.add_report_arguments(ap, REPO)
    args = ap.parse_args()
    title = "Differentially private queries (bench/dp_query_bench.py)"
    if args.from_json:
        saved = bench_md.load_saved(args)
        body = report(args, saved["measured"], saved["meta"])
        print(body)
        if not args.no_write:
            bench_md.write_section(args.benchmarks_md, SCRIPT, title, body)
        return
    pqb.SERVER_MEMORY_LIMIT, pqb.SERVER_THREADS = args.memory_limit, args.threads
    cleanroomd, cli, tool = bench_md.server_binaries(ap, args.build_dir)
    if args.rows < args.users or args.users < 1:
        ap.error("--rows must be at least --users, which must be positive")
    tree = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                          capture_output=True, text=True).stdout.strip()
    meta = {
        "when": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(), "cpu_model": pqb.cpu_model(), "mem_kib": pqb.mem_total_kib(),
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "cleanroomd": os.path.relpath(cleanroomd, REPO), "duckdb": "v1.4.4", "tree": tree,
        "boto3": boto3.__version__,
        "command": "python3 " + " ".join([SCRIPT] + [
            os.path.relpath(a, REPO) if a == args.build_dir else a for a in sys.argv[1:]]),
    }
    workdir = tempfile.mkdtemp(prefix="cleanroom-dp-bench-", dir=args.work_dir)
    tempfile.tempdir = workdir  # the server's data dir goes here too: one disk for everything
    server = ref = None
    try:
        ref = pqb.Reference(tool, os.path.join(workdir, "spill"))
        print(f"generating {args.rows:,} rows ...", flush=True)
        paths = generate(ref, os.path.join(workdir, "data"), args.rows, args.users,
                         args.campaigns, args.files)
        server = harness.Server(pqb.server_args())
        server.start()
        owner, querier = server.create_account("dp-owner"), server.create_account("dp-querier")
        print("setting up (uploading) ...", flush=True)
        queriers = setup(server, owner, querier, paths, args.epsilon, args.noise,
                         args.poll_ms / 1000)
        measured = measure(args, server, ref, workdir, queriers, paths)
        measured["rss_kib"] = pqb.vm_hwm_kib(server.proc.pid)
        server.stop(check=True)
    finally:
        if ref is not None:
            ref.close()
        if server is not None:
            server.destroy()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.save_json:
        with open(args.save_json, "w") as f:
            json.dump({"args": vars(args), "meta": meta, "measured": measured}, f, indent=1)
    body = report(args, measured, meta)
    print(body)
    if not args.no_write:
        bench_md.write_section(args.benchmarks_md, SCRIPT, title, body)


if __name__ == "__main__":
    main()
