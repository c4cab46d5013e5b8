"""Differentially private protected queries with the real AWS CLI and boto3.

Analyst Q can query and receive results; organization A owns a purchases table (several rows per
user, a few users with very many) under a CUSTOM rule with differential privacy on user_id, and
creates the collaboration's privacy budget template.

Shown: a grouped DP query returns noisy counts and sums within a few noise standard deviations
of the answer computed here independently under the reported contribution limit (so COUNT(*)
estimates the rows users contribute under the limit, not all rows), reports its sensitivity
parameters, and releases only groups with enough users; ListPrivacyBudgets' remainingCount falls
by the query's cost; the budget runs out exactly at the previewed maxCount, with an error saying
what remains; 32 concurrent clients never spend more than the budget; queries that break the DP
rules get the exact reason; a restart in the middle of a DP query (SIGTERM, or SIGKILL and a
start) leaves it FAILED with its spend kept, and DP queries run again; with cleanroomd's clock
moved by libfaketime across the end of a month (UTC), a budget with autoRefresh CALENDAR_MONTH
comes back in full while one with NONE stays spent.
"""

import concurrent.futures
import csv
import datetime
import io
import math
import os
import random
import time
import unittest

from harness import Server, ServerTestCase, ShiftedSigningClock, faketime_library, offset_to
from cleanrooms_support import call_error, create_role, random_id

CAMPAIGNS = ["c1", "c2"]

# A DP query that reads data for hours: the user-level rows of four copies of purchases joined
# on the user identifier (as the DP rules allow protected tables to be joined), which for each of
# the three users with 1000 rows are 10^12 combinations. Costs COUNT 1 + AVG 2 = 3 units.
SLOW_DP_QUERY = ("SELECT COUNT(*) AS n, AVG(a.spend) AS mean FROM purchases a "
                 "JOIN purchases b ON a.user_id = b.user_id "
                 "JOIN purchases c ON a.user_id = c.user_id "
                 "JOIN purchases d ON a.user_id = d.user_id "
                 "WHERE hash(a.spend + b.spend + c.spend + d.spend) = 0")
# Costs COUNT 1 + COUNT_DISTINCT 1 + SUM 1 + AVG 2 + STDDEV 3 = 8 units.
EIGHT_UNIT_QUERY = ("SELECT campaign, COUNT(*) AS n, COUNT(DISTINCT user_id) AS users, "
                    "SUM(spend) AS total, AVG(spend) AS mean, STDDEV(spend) AS sd "
                    "FROM purchases GROUP BY campaign")
THREE_UNIT_QUERY = "SELECT COUNT(*) AS n, AVG(spend) AS mean FROM purchases"
ONE_UNIT_QUERY = "SELECT COUNT(DISTINCT user_id) AS users FROM purchases"
# epsilon 1 and usersNoisePerQuery 20 give 19 units: remainingCount per aggregation type when
# nothing is spent (AVG costs 2 units, STDDEV 3).
FULL_19 = {"AVG": (9, 9), "COUNT": (19, 19), "COUNT_DISTINCT": (19, 19), "SUM": (19, 19),
           "STDDEV": (6, 6)}


def make_purchases(seed=11):
    """400 users with 1-20 rows each (user u in campaign c1 or c2), plus 3 users with 1000 rows
    each in a campaign of their own ("rare") and in c1. Spend is 1-100."""
    rnd = random.Random(seed)
    rows = []
    for uid in range(1, 401):
        for _ in range(rnd.randint(1, 20)):
            rows.append((uid, CAMPAIGNS[uid % 2], rnd.randint(1, 100)))
    for uid in range(1001, 1004):
        for i in range(1000):
            rows.append((uid, "rare" if i % 2 else "c1", rnd.randint(1, 100)))
    rnd.shuffle(rows)
    return rows


def to_csv(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["user_id", "campaign", "spend"])
    w.writerows(rows)
    return out.getvalue()


class DpTestCase(ServerTestCase):
    """Accounts Q (queries, receives results) and A (owns purchases, under a CUSTOM rule with
    differential privacy on user_id), and helpers; the tests are in the subclasses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        cls.q_acct, cls.a_acct = srv.create_account(), srv.create_account()
        cls.rows = make_purchases()
        s3, glue, iam = (srv.client(s, cls.a_acct) for s in ("s3", "glue", "iam"))
        cls.bucket = f"purchases-{random_id()[:8]}"
        s3.create_bucket(Bucket=cls.bucket)
        s3.put_object(Bucket=cls.bucket, Key="data/part-0.csv", Body=to_csv(cls.rows).encode())
        glue.create_database(DatabaseInput={"Name": "shop"})
        glue.create_table(DatabaseName="shop", TableInput={
            "Name": "purchases", "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {
                "Columns": [{"Name": "user_id", "Type": "bigint"},
                            {"Name": "campaign", "Type": "string"},
                            {"Name": "spend", "Type": "bigint"}],
                "Location": f"s3://{cls.bucket}/data/",
                "SerdeInfo": {"SerializationLibrary":
                              "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}}}})
        cls.role = create_role(iam, "CleanRooms-purchases", cls.bucket)
        cls.connect()
        q_s3 = srv.client("s3", cls.q_acct)
        cls.results = f"results-{random_id()[:8]}"
        q_s3.create_bucket(Bucket=cls.results)
        cls.table = cls.a_cr.create_configured_table(
            name="purchases", allowedColumns=["user_id", "campaign", "spend"],
            tableReference={"glue": {"databaseName": "shop", "tableName": "purchases"}},
            analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        cls.a_cr.create_configured_table_analysis_rule(
            configuredTableIdentifier=cls.table, analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {
                "allowedAnalyses": ["ANY_QUERY"],
                "allowedAnalysisProviders": [cls.q_acct.account_id],
                "differentialPrivacy": {"columns": [{"name": "user_id"}]}}}})

    @classmethod
    def connect(cls):
        """(Re)creates the boto3 clients: the server listens on a new port after a restart."""
        cls.q_cr = cls.server.client("cleanrooms", cls.q_acct)
        cls.a_cr = cls.server.client("cleanrooms", cls.a_acct)

    def collaboration(self, epsilon, noise, auto_refresh="NONE"):
        """A collaboration of Q and A with A's table associated as `purchases` and a budget
        template; returns Q's membership id."""
        cid = self.q_cr.create_collaboration(
            name=f"dp-{random_id()[:6]}", description="dp", creatorDisplayName="Q",
            creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"], queryLogStatus="DISABLED",
            members=[{"accountId": self.a_acct.account_id, "memberAbilities": [],
                      "displayName": "A"}])["collaboration"]["id"]
        q_mid = self.q_cr.create_membership(collaborationIdentifier=cid,
                                            queryLogStatus="DISABLED")["membership"]["id"]
        a_mid = self.a_cr.create_membership(collaborationIdentifier=cid,
                                            queryLogStatus="DISABLED")["membership"]["id"]
        assoc = self.a_cr.create_configured_table_association(
            name="purchases", membershipIdentifier=a_mid, configuredTableIdentifier=self.table,
            roleArn=self.role)["configuredTableAssociation"]["id"]
        self.a_cr.create_configured_table_association_analysis_rule(
            membershipIdentifier=a_mid, configuredTableAssociationIdentifier=assoc,
            analysisRuleType="CUSTOM",
            analysisRulePolicy={"v1": {"custom": {
                "allowedResultReceivers": [self.q_acct.account_id]}}})
        self.a_cr.create_privacy_budget_template(
            membershipIdentifier=a_mid, privacyBudgetType="DIFFERENTIAL_PRIVACY",
            autoRefresh=auto_refresh,
            parameters={"differentialPrivacy": {"epsilon": epsilon, "usersNoisePerQuery": noise}})
        return q_mid

    def start(self, mid, sql):
        return self.q_cr.start_protected_query(
            membershipIdentifier=mid, type="SQL", sqlParameters={"queryString": sql},
            resultConfiguration={"outputConfiguration": {"s3": {
                "resultFormat": "CSV", "bucket": self.results, "keyPrefix": "dp"}}}
        )["protectedQuery"]

    def wait(self, mid, qid, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            q = self.q_cr.get_protected_query(membershipIdentifier=mid,
                                              protectedQueryIdentifier=qid)["protectedQuery"]
            if q["status"] in ("SUCCESS", "FAILED", "CANCELLED", "TIMED_OUT"):
                return q
            time.sleep(0.05)
        self.fail(f"query {qid} did not finish")

    def start_running(self, mid, sql):
        """Starts `sql` and returns its id once GetProtectedQuery reports it STARTED."""
        qid = self.start(mid, sql)["id"]
        deadline = time.time() + 30
        while time.time() < deadline:
            status = self.q_cr.get_protected_query(
                membershipIdentifier=mid, protectedQueryIdentifier=qid)["protectedQuery"]["status"]
            if status == "STARTED":
                return qid
            self.assertEqual(status, "SUBMITTED")
            time.sleep(0.02)
        self.fail(f"query {qid} did not start")

    def refusal(self, mid, sql):
        """The error of StartProtectedQuery for `sql`, which must be refused."""
        return call_error(self.q_cr.start_protected_query, membershipIdentifier=mid, type="SQL",
                          sqlParameters={"queryString": sql},
                          resultConfiguration={"outputConfiguration": {"s3": {
                              "resultFormat": "CSV", "bucket": self.results, "keyPrefix": "dp"}}})

    def download(self, location):
        target = os.path.join(self.tmp, random_id())
        res = self.server.aws(self.q_acct, "s3", "cp", "--recursive", location, target)
        self.assertEqual(res.returncode, 0, res.stderr)
        out = []
        for root, _, files in os.walk(target):
            for name in sorted(files):
                with open(os.path.join(root, name)) as f:
                    out.extend(csv.DictReader(f))
        return out

    def remaining(self, mid):
        budgets = self.q_cr.list_privacy_budgets(
            membershipIdentifier=mid, privacyBudgetType="DIFFERENTIAL_PRIVACY")["privacyBudgetSummaries"]
        self.assertEqual(len(budgets), 1)
        return {a["type"]: (a["maxCount"], a["remainingCount"])
                for a in budgets[0]["budget"]["differentialPrivacy"]["aggregations"]}


class DpQueryTest(DpTestCase):

    # ----- tests -------------------------------------------------------------------------------

    def test_grouped_query_counts_under_the_contribution_limit(self):
        mid = self.collaboration(epsilon=20, noise=10)
        before = self.remaining(mid)
        sql = ("SELECT campaign, COUNT(*) AS n, COUNT(DISTINCT user_id) AS users, "
               "SUM(spend) AS total FROM purchases GROUP BY campaign ORDER BY campaign")
        started = time.monotonic()
        q = self.wait(mid, self.start(mid, sql)["id"])
        waited_ms = (time.monotonic() - started) * 1000
        self.assertEqual(q["status"], "SUCCESS", q)
        # Held for a randomly stretched time of at least a second (dp::PaddedDurationMillis)
        # before the results appear.
        held = q["statistics"]["totalDurationInMillis"]
        self.assertGreaterEqual(held, 1000)
        self.assertLessEqual(held, waited_ms)
        params = q["differentialPrivacy"]["sensitivityParameters"]
        self.assertEqual([p["aggregationType"] for p in params], ["COUNT", "COUNT_DISTINCT", "SUM"])
        limit = params[0]["userContributionLimit"]
        self.assertTrue(all(p["userContributionLimit"] == limit for p in params))
        self.assertIn(limit, [2 ** e for e in range(9)])
        bound = params[2]["maxColumnValue"]
        self.assertEqual(params[2]["minColumnValue"], -bound)
        self.assertNotIn("minColumnValue", params[0])

        got = {r["campaign"]: r for r in self.download(q["result"]["output"]["s3"]["location"])}
        # "rare" is held by three users only: never released.
        self.assertEqual(sorted(got), CAMPAIGNS)
        # Releases: COUNT, COUNT_DISTINCT, SUM (3 units) + rows, groups and spend histograms and
        # users per group (4) -> sigma = N * sensitivity * sqrt(7/3).
        scale = 10 * math.sqrt(7 / 3)
        for campaign in CAMPAIGNS:
            per_user = {}
            for uid, c, spend in self.rows:
                if c == campaign:
                    per_user.setdefault(uid, []).append(min(spend, bound))
            # The heavy users are in two groups; with a limit of one group (or two) their rows in
            # c1 may or may not be kept, so the comparison is on the 400 ordinary users plus the
            # heavy users' bounded share, which adds at most 3 * limit rows.
            ordinary = {u: v for u, v in per_user.items() if u <= 400}
            rows_kept = sum(min(len(v), limit) for v in ordinary.values())
            n = int(got[campaign]["n"])
            heavy = 3 * limit if campaign == "c1" else 0
            self.assertLessEqual(abs(n - rows_kept), 6 * scale * limit + heavy, (campaign, n, rows_kept))
            raw = sum(len(v) for v in per_user.values())
            if limit < 1000:
                # Not all rows: the heavy users' 1000 rows count at most `limit` each.
                self.assertGreater(raw - n, 500 - 6 * scale * limit - heavy)
            users = int(got[campaign]["users"])
            self.assertLessEqual(abs(users - len(ordinary)), 6 * scale * 2 + 3, (campaign, users))
            self.assertGreaterEqual(float(got[campaign]["total"]), -1e12)

        after = self.remaining(mid)
        for kind, cost in {"COUNT": 1, "SUM": 1, "AVG": 2, "STDDEV": 3}.items():
            self.assertEqual(after[kind][0], before[kind][0])
        self.assertEqual(after["COUNT"][1], before["COUNT"][1] - 3)

    def test_budget_runs_out_exactly_at_the_previewed_max_count(self):
        mid = self.collaboration(epsilon=1, noise=20)
        preview = self.q_cr.preview_privacy_impact(
            membershipIdentifier=mid,
            parameters={"differentialPrivacy": {"epsilon": 1, "usersNoisePerQuery": 20}})
        max_count = {a["type"]: a["maxCount"]
                     for a in preview["privacyImpact"]["differentialPrivacy"]["aggregations"]}
        self.assertEqual(max_count["COUNT"], 19)
        sql = "SELECT COUNT(DISTINCT user_id) AS users FROM purchases"
        for i in range(max_count["COUNT"]):
            q = self.wait(mid, self.start(mid, sql)["id"])
            self.assertEqual(q["status"], "SUCCESS", q)
            self.assertEqual(self.remaining(mid)["COUNT"], (19, 19 - i - 1))
        err = call_error(self.q_cr.start_protected_query, membershipIdentifier=mid, type="SQL",
                         sqlParameters={"queryString": sql},
                         resultConfiguration={"outputConfiguration": {"s3": {
                             "resultFormat": "CSV", "bucket": self.results, "keyPrefix": "dp"}}})
        self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), err)
        self.assertIn("privacy budget", err["message"])
        self.assertIn("0 of 19 remain", err["message"])
        # The CLI shows the same refusal.
        res = self.server.aws(self.q_acct, "cleanrooms", "start-protected-query",
                              "--membership-identifier", mid, "--type", "SQL",
                              "--sql-parameters", '{"queryString": "%s"}' % sql,
                              "--result-configuration",
                              '{"outputConfiguration": {"s3": {"resultFormat": "CSV", "bucket": "%s"}}}'
                              % self.results, check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("ValidationException", res.stderr)

    def test_concurrent_clients_never_overspend(self):
        mid = self.collaboration(epsilon=1, noise=20)  # 19 COUNT units
        sql = "SELECT COUNT(*) AS n FROM purchases"

        def attempt(_):
            client = self.server.client("cleanrooms", self.q_acct)
            try:
                qid = client.start_protected_query(
                    membershipIdentifier=mid, type="SQL", sqlParameters={"queryString": sql},
                    resultConfiguration={"outputConfiguration": {"s3": {
                        "resultFormat": "CSV", "bucket": self.results, "keyPrefix": "c"}}}
                )["protectedQuery"]["id"]
                return qid
            except Exception as e:  # noqa: BLE001 - the refusal is the point
                return e

        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            outcomes = list(pool.map(attempt, range(32)))
        started = [o for o in outcomes if isinstance(o, str)]
        refused = [o for o in outcomes if not isinstance(o, str)]
        self.assertEqual(len(started), 19, refused)
        for e in refused:
            self.assertIn("privacy budget", str(e))
        for qid in started:
            self.assertEqual(self.wait(mid, qid)["status"], "SUCCESS")
        self.assertEqual(self.remaining(mid)["COUNT"], (19, 0))

    def test_a_value_that_does_not_convert_does_not_fail_the_query(self):
        # Every campaign fails CAST(... AS INTEGER); outside differential privacy that is a
        # conversion error. Here it is NULL: whether a query fails must not depend on one value.
        mid = self.collaboration(epsilon=5, noise=10)
        sql = ("WITH c AS (SELECT user_id, CAST(campaign AS INTEGER) + 2147483647 AS bad, spend "
               "FROM purchases) SELECT COUNT(bad) AS n, SUM(spend) AS s FROM c")
        q = self.wait(mid, self.start(mid, sql)["id"])
        self.assertEqual(q["status"], "SUCCESS", q)
        rows = self.download(q["result"]["output"]["s3"]["location"])
        self.assertEqual(len(rows), 1)
        limit = q["differentialPrivacy"]["sensitivityParameters"][0]["userContributionLimit"]
        # COUNT(bad) counts no row: only noise (sigma = 10 * limit * sqrt(4/2)), never negative.
        self.assertLessEqual(int(rows[0]["n"]), 6 * 10 * limit * math.sqrt(2))

    def test_queries_that_break_the_rules_get_the_reason(self):
        mid = self.collaboration(epsilon=5, noise=10)
        cases = {
            "SELECT campaign, MAX(spend) FROM purchases GROUP BY campaign":
                "neither a GROUP BY key nor one of the aggregates",
            "SELECT user_id, spend FROM purchases":
                "neither a GROUP BY key nor one of the aggregates",
            "WITH c AS (SELECT campaign, SUM(spend) AS s FROM purchases GROUP BY campaign) "
            "SELECT SUM(s) FROM c":
                "must aggregate user-level rows",
            "SELECT COUNT(*) FROM purchases a JOIN purchases b ON a.campaign = b.campaign":
                "joined with each other only by equality of their user identifier",
            "SELECT COUNT(*) FROM purchases WHERE spend > (SELECT AVG(spend) FROM purchases)":
                "subqueries in expressions",
            "SELECT campaign, COUNT(*) FROM purchases GROUP BY campaign HAVING COUNT(*) > 5":
                "HAVING is not supported",
        }
        before = self.remaining(mid)
        for sql, reason in cases.items():
            err = call_error(self.q_cr.start_protected_query, membershipIdentifier=mid, type="SQL",
                             sqlParameters={"queryString": sql},
                             resultConfiguration={"outputConfiguration": {"s3": {
                                 "resultFormat": "CSV", "bucket": self.results}}})
            self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), (sql, err))
            self.assertIn(reason, err["message"], sql)
        self.assertEqual(self.remaining(mid), before)



class DpQueryRestartTest(DpTestCase):
    """A server stopped in the middle of a DP query, by SIGTERM or by a crash, never leaves the
    query running: it ends FAILED, the budget it reserved stays spent (it may have read data),
    and new DP queries run."""

    def assert_runs_dp_queries(self, mid, remaining):
        q = self.wait(mid, self.start(mid, ONE_UNIT_QUERY)["id"])
        self.assertEqual(q["status"], "SUCCESS", q)
        self.assertEqual(self.remaining(mid)["COUNT"], (19, remaining - 1))

    def test_sigterm_mid_query_ends_it_failed_with_its_spend_kept(self):
        mid = self.collaboration(epsilon=1, noise=20)  # 19 units
        qid = self.start_running(mid, SLOW_DP_QUERY)
        # Reserved when it started: 3 units.
        self.assertEqual(self.remaining(mid)["COUNT"], (19, 16))
        time.sleep(0.5)  # well into reading the tables
        self.assertEqual(self.q_cr.get_protected_query(membershipIdentifier=mid,
                                                       protectedQueryIdentifier=qid)[
            "protectedQuery"]["status"], "STARTED")
        began = time.time()
        self.server.restart()  # SIGTERM; asserts a clean exit
        self.assertLess(time.time() - began, 20, "shutdown waited for the query")
        self.connect()
        q = self.q_cr.get_protected_query(membershipIdentifier=mid,
                                          protectedQueryIdentifier=qid)["protectedQuery"]
        self.assertEqual(q["status"], "FAILED", q)
        self.assertEqual(q["error"]["code"], "SERVER_SHUTDOWN", q)
        self.assertNotIn("result", q)
        self.assertEqual(self.remaining(mid)["COUNT"], (19, 16))
        self.assert_runs_dp_queries(mid, 16)

    def test_crash_mid_query_ends_it_failed_with_its_spend_kept(self):
        mid = self.collaboration(epsilon=1, noise=20)
        qid = self.start_running(mid, SLOW_DP_QUERY)
        self.assertEqual(self.remaining(mid)["COUNT"], (19, 16))
        time.sleep(0.5)
        self.assertEqual(self.q_cr.get_protected_query(membershipIdentifier=mid,
                                                       protectedQueryIdentifier=qid)[
            "protectedQuery"]["status"], "STARTED")
        self.server._kill()  # SIGKILL: the charge is left RESERVED
        self.server.start()
        self.connect()
        q = self.q_cr.get_protected_query(membershipIdentifier=mid,
                                          protectedQueryIdentifier=qid)["protectedQuery"]
        self.assertEqual(q["status"], "FAILED", q)
        self.assertEqual(q["error"]["code"], "SERVER_RESTARTED", q)
        self.assertNotIn("result", q)
        # Settled at start-up as spent: nobody can tell how much of the data it had read.
        self.assertEqual(self.remaining(mid)["COUNT"], (19, 16))
        for scratch in ("query-results", "query-spill"):
            path = os.path.join(self.server.data_dir, scratch)
            self.assertEqual(os.listdir(path) if os.path.isdir(path) else [], [], scratch)
        self.assert_runs_dp_queries(mid, 16)


UTC = datetime.timezone.utc
# The server's (and the clients') clock: first near the end of March, then just after midnight
# UTC on April 1. The margin before midnight is for slow (e.g. sanitizer) builds: the March part
# of the test must end before the shifted clock reaches April.
END_OF_MARCH = datetime.datetime(2026, 3, 31, 23, 50, 0, tzinfo=UTC)
APRIL = datetime.datetime(2026, 4, 1, 0, 0, 0, tzinfo=UTC)
START_OF_APRIL = datetime.datetime(2026, 4, 1, 0, 0, 30, tzinfo=UTC)


@unittest.skipUnless(faketime_library(), "libfaketime is not installed (Debian package faketime; "
                                         "scripts/install-deps.sh --test installs it)")
class DpBudgetRefreshTest(DpTestCase):
    """Budget periods follow the server's wall clock. cleanroomd runs under libfaketime
    (Server.clock_offset, harness.faketime_env), its clock shifted to 23:50 UTC on March 31,
    2026, then restarted with it at 00:00:30 UTC on April 1; its local time zone is UTC-10, where
    it is still March 31, so the month must be the UTC one. boto3 signs with the same shifted
    clock, and the `cleanroom` and `aws` commands run under libfaketime too (SigV4 allows 15
    minutes of skew)."""

    @classmethod
    def make_server(cls):
        cls.clock = ShiftedSigningClock(offset_to(END_OF_MARCH)).start()
        cls.addClassCleanup(cls.clock.stop)
        # TZ: a POSIX zone string, so no tzdata is needed.
        return Server(env={"TZ": "HST+10"}, clock_offset=cls.clock.offset)

    def server_month(self):
        """The month of the latest timestamp the server logged (its shifted clock)."""
        stamps = [r["ts"] for r in self.server.log_records() if isinstance(r.get("ts"), str)]
        self.assertTrue(stamps, "the server logged no timestamps")
        return stamps[-1][:7]

    def test_calendar_month_budget_comes_back_in_the_next_month(self):
        self.assertEqual(self.server_month(), "2026-03", "libfaketime did not move the clock")
        monthly = self.collaboration(epsilon=1, noise=20, auto_refresh="CALENDAR_MONTH")
        lifetime = self.collaboration(epsilon=1, noise=20, auto_refresh="NONE")
        for mid in (monthly, lifetime):
            self.assertEqual(self.remaining(mid), FULL_19)
            for left in (11, 3):
                q = self.wait(mid, self.start(mid, EIGHT_UNIT_QUERY)["id"])
                self.assertEqual(q["status"], "SUCCESS", q)
                self.assertEqual(self.remaining(mid)["COUNT"], (19, left))
        # The monthly budget's last 3 units go to a query still running when the server dies;
        # the lifetime budget's to a query that completes.
        slow = self.start_running(monthly, SLOW_DP_QUERY)
        q = self.wait(lifetime, self.start(lifetime, THREE_UNIT_QUERY)["id"])
        self.assertEqual(q["status"], "SUCCESS", q)
        for mid in (monthly, lifetime):
            self.assertEqual(self.remaining(mid)["COUNT"], (19, 0))
            err = self.refusal(mid, ONE_UNIT_QUERY)
            self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), err)
            self.assertIn("privacy budget", err["message"])
        self.assertLess(self.clock.now(remove_tzinfo=False), APRIL,
                        "the March part of the test outran its margin before midnight")

        # SIGKILL (the running query's charge is left RESERVED, and settled at the next start,
        # in April: it must stay in March), then start in April.
        self.server._kill()
        self.clock.offset = self.server.clock_offset = offset_to(START_OF_APRIL)
        self.server.start()
        self.connect()
        self.assertEqual(self.server_month(), "2026-04")
        q = self.q_cr.get_protected_query(membershipIdentifier=monthly,
                                          protectedQueryIdentifier=slow)["protectedQuery"]
        self.assertEqual((q["status"], q["error"]["code"]), ("FAILED", "SERVER_RESTARTED"), q)

        self.assertEqual(self.remaining(monthly), FULL_19)
        self.assertEqual(self.remaining(lifetime), {k: (m, 0) for k, (m, _) in FULL_19.items()})
        err = self.refusal(lifetime, ONE_UNIT_QUERY)
        self.assertIn("privacy budget", err["message"])
        q = self.wait(monthly, self.start(monthly, ONE_UNIT_QUERY)["id"])
        self.assertEqual(q["status"], "SUCCESS", q)
        # The AWS CLI, under the same clock, sees April's budget.
        out = self.server.aws_json(self.q_acct, "cleanrooms", "list-privacy-budgets",
                                   "--membership-identifier", monthly,
                                   "--privacy-budget-type", "DIFFERENTIAL_PRIVACY")
        aggregations = out["privacyBudgetSummaries"][0]["budget"]["differentialPrivacy"][
            "aggregations"]
        self.assertEqual({a["type"]: a["remainingCount"] for a in aggregations}["COUNT"], 18)


if __name__ == "__main__":
    unittest.main()
