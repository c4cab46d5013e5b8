"""Protected queries end to end, with the real AWS CLI and boto3, across three accounts.

Advertiser A and publisher P each own a table (a CSV in their bucket, a Glue table over it, a
role Clean Rooms may assume); A's table is SSE-encrypted at rest. P creates a collaboration in
which it can query and receive results and A contributes data; outsider X is not a member.
Both tables carry AGGREGATION and LIST rules, and P's results go to P's own bucket.

Shown: results downloaded with `aws s3 cp` equal answers computed here independently (with the
output constraint dropping small groups); forbidden queries get a precise ValidationException
and nothing runs; a LIST query lists the overlap only; an analysis template runs under a CUSTOM
rule with its parameter bound as a value; a long query is cancelled promptly; a member that may
not receive results cannot be named as receiver; other accounts cannot see the query; query logs
reach the querier and the table owner (with the configured table id only for the owner) and
nobody else.
"""

import csv
import io
import json
import os
import random
import time
import unittest

from harness import ServerTestCase
from cleanrooms_support import call_error, create_role, random_id

ENCRYPTION = {"preserveNulls": True, "allowCleartext": False, "allowDuplicates": False,
              "allowJoinsOnColumnsWithDifferentNames": False}
REGIONS = ["east", "west", "central", "north"]
SEGMENTS = ["sports", "news", "music"]


def make_data(seed=7):
    """A's purchases (several rows per customer) and P's audience; half the ids overlap."""
    rnd = random.Random(seed)
    a_rows, p_rows = [], []
    for cid in range(1, 121):
        region = REGIONS[cid % 4] if cid % 10 else "north"
        for _ in range(1 + cid % 3):
            a_rows.append((cid, f"{20 + 10 * (cid % 4)}s", region, round(rnd.uniform(5, 500), 2)))
    # North has few customers so that its groups fall under the output constraint.
    a_rows = [r for r in a_rows if r[2] != "north" or r[0] in (10, 70, 80)]
    for cid in range(61, 181):
        p_rows.append((cid, SEGMENTS[cid % 3], cid % 100))
    return a_rows, p_rows


def to_csv(header, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def solo_collaboration(cr, org, account_id):
    """A collaboration of `account_id` alone, its table `t` (over `org`'s Glue table) under a
    CUSTOM rule that lets it run any query. Returns the membership id."""
    cid = cr.create_collaboration(
        name="solo", description="solo", creatorDisplayName="P",
        creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"], members=[],
        queryLogStatus="DISABLED")["collaboration"]["id"]
    mid = cr.create_membership(collaborationIdentifier=cid,
                               queryLogStatus="DISABLED")["membership"]["id"]
    table = cr.create_configured_table(
        name=f"solo_{random_id()[:6]}",
        tableReference={"glue": {"tableName": org["table"], "databaseName": org["database"]}},
        allowedColumns=org["allowed"], analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
    cr.create_configured_table_analysis_rule(
        configuredTableIdentifier=table, analysisRuleType="CUSTOM",
        analysisRulePolicy={"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"],
                                              "allowedAnalysisProviders": [account_id]}}})
    cr.create_configured_table_association(name="t", membershipIdentifier=mid,
                                           configuredTableIdentifier=table, roleArn=org["role"])
    return mid


# A five-way cross join of `t` that would run for hours.
SLOW_QUERY = ("SELECT COUNT(*) FROM t a, t b, t c, t d, t e "
              "WHERE hash(a.score + b.score + c.score + d.score + e.score) = 0")


class ProtectedQueryTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        cls.a_acct, cls.p_acct, cls.x_acct = (srv.create_account() for _ in range(3))
        cls.a_rows, cls.p_rows = make_data()
        cls.a = cls.provision(cls.a_acct, "adv", ["customer_id", "age_band", "region", "amount"],
                              [("customer_id", "bigint"), ("age_band", "string"),
                               ("region", "string"), ("amount", "double")],
                              to_csv(["customer_id", "age_band", "region", "amount"], cls.a_rows),
                              encrypted=True)
        cls.p = cls.provision(cls.p_acct, "pub", ["customer_id", "segment", "score"],
                              [("customer_id", "bigint"), ("segment", "string"), ("score", "bigint")],
                              to_csv(["customer_id", "segment", "score"], cls.p_rows))
        cls.a_cr = srv.client("cleanrooms", cls.a_acct)
        cls.p_cr = srv.client("cleanrooms", cls.p_acct)
        cls.x_cr = srv.client("cleanrooms", cls.x_acct)
        collab = cls.p_cr.create_collaboration(
            name="ads", description="advertiser x publisher", creatorDisplayName="Publisher",
            creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
            members=[{"accountId": cls.a_acct.account_id, "memberAbilities": [],
                      "displayName": "Advertiser"}],
            queryLogStatus="ENABLED", dataEncryptionMetadata=ENCRYPTION)["collaboration"]
        cls.cid = collab["id"]
        cls.p_mid = cls.p_cr.create_membership(collaborationIdentifier=cls.cid,
                                               queryLogStatus="ENABLED")["membership"]["id"]
        cls.a_mid = cls.a_cr.create_membership(collaborationIdentifier=cls.cid,
                                               queryLogStatus="ENABLED")["membership"]["id"]
        agg_a = {"v1": {"aggregation": {
            "aggregateColumns": [{"columnNames": ["amount"], "function": "SUM"},
                                 {"columnNames": ["customer_id"], "function": "COUNT_DISTINCT"}],
            "joinColumns": ["customer_id"], "joinRequired": "QUERY_RUNNER",
            "dimensionColumns": ["region", "age_band"], "scalarFunctions": ["ROUND"],
            "outputConstraints": [{"columnName": "customer_id", "minimum": 5,
                                   "type": "COUNT_DISTINCT"}]}}}
        agg_p = {"v1": {"aggregation": {
            "aggregateColumns": [{"columnNames": ["score"], "function": "AVG"}],
            "joinColumns": ["customer_id"], "dimensionColumns": ["segment"],
            "scalarFunctions": ["ROUND"],
            "outputConstraints": [{"columnName": "customer_id", "minimum": 2,
                                   "type": "COUNT_DISTINCT"}]}}}
        # A configured table carries one analysis rule, so each rule type gets its own
        # configured table (over the same Glue table) and association.
        cls.a_table, cls.a_assoc = cls.share(cls.a_cr, cls.a_mid, cls.a, "purchases",
                                             "AGGREGATION", agg_a)
        cls.p_table, cls.p_assoc = cls.share(cls.p_cr, cls.p_mid, cls.p, "audience",
                                             "AGGREGATION", agg_p)
        cls.share(cls.a_cr, cls.a_mid, cls.a, "purchases_l", "LIST",
                  {"v1": {"list": {"joinColumns": ["customer_id"], "listColumns": ["region"]}}})
        cls.share(cls.p_cr, cls.p_mid, cls.p, "audience_l", "LIST",
                  {"v1": {"list": {"joinColumns": ["customer_id"], "listColumns": ["segment"]}}})
        s3 = srv.client("s3", cls.p_acct)
        cls.results_bucket = "pub-results-" + random_id()[:8]
        s3.create_bucket(Bucket=cls.results_bucket)

    @classmethod
    def provision(cls, account, label, allowed, columns, csv_text, encrypted=False):
        srv = cls.server
        s3, glue, iam = (srv.client(s, account) for s in ("s3", "glue", "iam"))
        bucket = f"{label}-data-{random_id()[:8]}"
        s3.create_bucket(Bucket=bucket)
        if encrypted:
            s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_object(Bucket=bucket, Key="data/part-0.csv", Body=csv_text.encode())
        database = f"{label}_db"
        glue.create_database(DatabaseInput={"Name": database})
        glue.create_table(DatabaseName=database, TableInput={
            "Name": label, "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {
                "Columns": [{"Name": n, "Type": t} for n, t in columns],
                "Location": f"s3://{bucket}/data/",
                "SerdeInfo": {"SerializationLibrary":
                              "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}}}})
        role = create_role(iam, f"CleanRooms-{label}", bucket)
        return {"account": account, "bucket": bucket, "database": database, "table": label,
                "allowed": allowed, "role": role}

    @classmethod
    def share(cls, cr, mid, org, name, rule_type, policy, receivers=None):
        """A configured table over `org`'s Glue table with one analysis rule, associated as
        `name` with a collaboration rule letting P receive results. Returns (table, assoc)."""
        table = cr.create_configured_table(
            name=f"{name}_{random_id()[:6]}",
            tableReference={"glue": {"tableName": org["table"], "databaseName": org["database"]}},
            allowedColumns=org["allowed"], analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        cr.create_configured_table_analysis_rule(configuredTableIdentifier=table,
                                                 analysisRuleType=rule_type,
                                                 analysisRulePolicy=policy)
        assoc = cr.create_configured_table_association(
            name=name, membershipIdentifier=mid, configuredTableIdentifier=table,
            roleArn=org["role"])["configuredTableAssociation"]["id"]
        cr.create_configured_table_association_analysis_rule(
            membershipIdentifier=mid, configuredTableAssociationIdentifier=assoc,
            analysisRuleType=rule_type,
            analysisRulePolicy={"v1": {rule_type.lower(): {
                "allowedResultReceivers": receivers or [cls.p_acct.account_id]}}})
        return table, assoc

    # Helpers ------------------------------------------------------------------------------

    def output(self, prefix="q/", fmt="CSV"):
        return {"outputConfiguration": {"s3": {"resultFormat": fmt, "bucket": self.results_bucket,
                                               "keyPrefix": prefix}}}

    def start(self, sql, cr=None, mid=None, **kw):
        cr = cr or self.p_cr
        return cr.start_protected_query(membershipIdentifier=mid or self.p_mid, type="SQL",
                                        sqlParameters=kw.pop("sql_parameters", {"queryString": sql}),
                                        resultConfiguration=kw.pop("result", self.output()),
                                        **kw)["protectedQuery"]

    def wait(self, qid, cr=None, mid=None, timeout=60):
        cr = cr or self.p_cr
        deadline = time.time() + timeout
        while time.time() < deadline:
            q = cr.get_protected_query(membershipIdentifier=mid or self.p_mid,
                                       protectedQueryIdentifier=qid)["protectedQuery"]
            if q["status"] in ("SUCCESS", "FAILED", "CANCELLED", "TIMED_OUT"):
                return q
            time.sleep(0.05)
        self.fail(f"query {qid} did not finish")

    def download(self, location):
        """Every result object under `location`, fetched with `aws s3 cp --recursive`."""
        target = os.path.join(self.tmp, random_id())
        res = self.server.aws(self.p_acct, "s3", "cp", "--recursive", location, target)
        self.assertEqual(res.returncode, 0, res.stderr)
        rows = []
        for root, _, files in os.walk(target):
            for name in sorted(files):
                with open(os.path.join(root, name)) as f:
                    rows.extend(list(csv.reader(f)))
        return rows

    def validation_error(self, sql, **kw):
        err = call_error(self.p_cr.start_protected_query, membershipIdentifier=self.p_mid,
                         type="SQL", sqlParameters={"queryString": sql},
                         resultConfiguration=self.output(), **kw)
        self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), err)
        return err["message"]

    # Tests --------------------------------------------------------------------------------

    def test_aggregation_results_match_an_independent_computation(self):
        sql = ("SELECT a.region, SUM(a.amount) AS total, COUNT(DISTINCT a.customer_id) AS buyers "
               "FROM purchases a JOIN audience p ON a.customer_id = p.customer_id "
               "GROUP BY a.region")
        started = self.start(sql)
        self.assertIn(started["status"], ("SUBMITTED", "STARTED", "SUCCESS"))
        q = self.wait(started["id"])
        self.assertEqual(q["status"], "SUCCESS", q.get("error"))
        location = q["result"]["output"]["s3"]["location"]
        self.assertTrue(location.startswith(f"s3://{self.results_bucket}/q/{q['id']}/result/"),
                        location)
        self.assertGreaterEqual(q["statistics"]["totalDurationInMillis"], 0)
        rows = self.download(location)
        self.assertEqual(rows[0], ["region", "total", "buyers"])
        got = {r[0]: (round(float(r[1]), 2), int(r[2])) for r in rows[1:]}
        # Independently: join on customer_id, group by region, drop groups of < 5 customers.
        audience = {r[0] for r in self.p_rows}
        expected = {}
        for cid, _, region, amount in self.a_rows:
            if cid in audience:
                total, buyers = expected.get(region, (0.0, set()))
                expected[region] = (total + amount, buyers | {cid})
        expected = {k: (round(v[0], 2), len(v[1])) for k, v in expected.items() if len(v[1]) >= 5}
        self.assertEqual(got, expected)
        # The small group exists in the data but is not revealed.
        self.assertTrue(any(r[2] == "north" and r[0] in audience for r in self.a_rows))
        self.assertNotIn("north", got)

    def test_partition_columns_are_read_from_the_object_keys(self):
        # P's events table is partitioned by year (bigint) and region (string) in Hive-style
        # folders; one folder is not key=value and one object sits outside every partition.
        srv = self.server
        s3, glue, iam = (srv.client(s, self.p_acct) for s in ("s3", "glue", "iam"))
        bucket = f"pub-events-{random_id()[:8]}"
        s3.create_bucket(Bucket=bucket)
        rows = {(2024, "east"): [(1, 10), (2, 20)], (2024, "south west"): [(3, 5)],
                (2025, "east"): [(4, 7), (5, 8), (6, 9)], (2025, "north"): [(7, 1)]}
        for (year, region), part in rows.items():
            folder = f"region={region}" if region != "north" else region
            s3.put_object(Bucket=bucket, Key=f"events/year={year}/{folder}/part-0.csv",
                          Body=to_csv(["customer_id", "score"], part).encode())
        s3.put_object(Bucket=bucket, Key="events/stray.csv",
                      Body=to_csv(["customer_id", "score"], [(99, 1000)]).encode())
        glue.create_database(DatabaseInput={"Name": "events_db"})
        glue.create_table(DatabaseName="events_db", TableInput={
            "Name": "events", "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "PartitionKeys": [{"Name": "year", "Type": "bigint"},
                              {"Name": "region", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "customer_id", "Type": "bigint"},
                            {"Name": "score", "Type": "bigint"}],
                "Location": f"s3://{bucket}/events/",
                "SerdeInfo": {"SerializationLibrary":
                              "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}}}})
        org = {"table": "events", "database": "events_db",
               "allowed": ["customer_id", "score", "year", "region"],
               "role": create_role(iam, "CleanRooms-events", bucket)}
        mid = solo_collaboration(self.p_cr, org, self.p_acct.account_id)
        q = self.start("SELECT year, region, COUNT(*) AS n, SUM(score) AS total, "
                       "MAX(year) + 1 AS next_year FROM t GROUP BY year, region "
                       "ORDER BY year, region", mid=mid, result=self.output("events/"))
        done = self.wait(q["id"], mid=mid)
        self.assertEqual(done["status"], "SUCCESS", done.get("error"))
        got = self.download(done["result"]["output"]["s3"]["location"])
        expected = [["year", "region", "n", "total", "next_year"]]
        for (year, region) in sorted(rows):
            part = rows[(year, region)]
            expected.append([str(year), region, str(len(part)), str(sum(s for _, s in part)),
                             str(year + 1)])
        self.assertEqual(got, expected)

    def test_parquet_results(self):
        q = self.wait(self.start("SELECT p.segment, AVG(p.score) AS s FROM audience p "
                                 "JOIN purchases a ON a.customer_id = p.customer_id "
                                 "GROUP BY p.segment", result=self.output("pq/", "PARQUET"))["id"])
        self.assertEqual(q["status"], "SUCCESS", q.get("error"))
        s3 = self.server.client("s3", self.p_acct)
        prefix = q["result"]["output"]["s3"]["location"].split("/", 3)[3]
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=self.results_bucket,
                                                     Prefix=prefix)["Contents"]]
        self.assertEqual(len(keys), 1, keys)
        body = s3.get_object(Bucket=self.results_bucket, Key=keys[0])["Body"].read()
        self.assertEqual(body[:4], b"PAR1")

    def test_forbidden_queries_are_refused_before_running(self):
        before = self.p_cr.list_protected_queries(membershipIdentifier=self.p_mid)["protectedQueries"]
        m = self.validation_error(
            "SELECT a.customer_id, SUM(a.amount) FROM purchases a "
            "JOIN audience p ON a.customer_id = p.customer_id GROUP BY a.customer_id")
        self.assertIn('AGGREGATION analysis rule of table "purchases"', m)
        self.assertIn("customer_id is a join column", m)
        self.assertIn("line 1, column 8", m)
        m = self.validation_error(
            "WITH t AS (SELECT customer_id AS c, region FROM purchases) "
            "SELECT c FROM t JOIN audience p ON t.c = p.customer_id")
        self.assertIn("not allowed", m)
        m = self.validation_error("SELECT region, SUM(amount) FROM purchases GROUP BY region")
        self.assertIn("joinRequired", m)
        m = self.validation_error("SELECT * FROM read_csv('/etc/passwd')")
        self.assertIn("table function read_csv", m)
        m = self.validation_error("SELECT COUNT(*) FROM purchases; DROP TABLE audience")
        self.assertIn("exactly one SELECT statement", m)
        after = self.p_cr.list_protected_queries(membershipIdentifier=self.p_mid)["protectedQueries"]
        self.assertEqual(len(after), len(before))

    def test_list_query_lists_the_overlap_only(self):
        q = self.wait(self.start(
            "SELECT DISTINCT p.segment, a.region FROM purchases_l a "
            "JOIN audience_l p ON a.customer_id = p.customer_id")["id"])
        self.assertEqual(q["status"], "SUCCESS", q.get("error"))
        rows = self.download(q["result"]["output"]["s3"]["location"])
        audience = {r[0]: r[1] for r in self.p_rows}
        expected = {(audience[cid], region) for cid, _, region, _ in self.a_rows if cid in audience}
        self.assertEqual({tuple(r) for r in rows[1:]}, expected)
        m = self.validation_error("SELECT DISTINCT p.score FROM purchases_l a "
                                  "JOIN audience_l p ON a.customer_id = p.customer_id")
        self.assertIn("score", m)

    def test_analysis_template_with_a_bound_parameter(self):
        # CUSTOM tables that allow one template of the querier's, and nothing else.
        tables = [self.share(self.a_cr, self.a_mid, self.a, "purchases_c", "CUSTOM",
                             {"v1": {"custom": {"allowedAnalyses": []}}}),
                  self.share(self.p_cr, self.p_mid, self.p, "audience_c", "CUSTOM",
                             {"v1": {"custom": {"allowedAnalyses": []}}})]
        template = self.p_cr.create_analysis_template(
            membershipIdentifier=self.p_mid, name="by_segment", format="SQL",
            source={"text": "SELECT p.segment, COUNT(*) AS n FROM audience_c p "
                            "JOIN purchases_c a ON a.customer_id = p.customer_id "
                            "WHERE p.segment = :segment GROUP BY p.segment"},
            analysisParameters=[{"name": "segment", "type": "VARCHAR",
                                 "defaultValue": "news"}])["analysisTemplate"]
        for cr, (table, _) in zip((self.a_cr, self.p_cr), tables):
            cr.update_configured_table_analysis_rule(
                configuredTableIdentifier=table, analysisRuleType="CUSTOM",
                analysisRulePolicy={"v1": {"custom": {"allowedAnalyses": [template["arn"]]}}})
        audience = {r[0]: r[1] for r in self.p_rows}
        for value in ("sports", "' OR 1=1 --"):
            q = self.wait(self.start(None, sql_parameters={
                "analysisTemplateArn": template["arn"], "parameters": {"segment": value}})["id"])
            self.assertEqual(q["status"], "SUCCESS", q.get("error"))
            rows = self.download(q["result"]["output"]["s3"]["location"])
            n = sum(1 for cid, *_ in self.a_rows if audience.get(cid) == value)
            self.assertEqual(rows[1:], [[value, str(n)]] if n else [])
        # An ad-hoc query is not an allowed analysis under these CUSTOM rules.
        m = self.validation_error("SELECT p.segment, COUNT(*) FROM audience_c p "
                                  "JOIN purchases_c a ON a.customer_id = p.customer_id "
                                  "GROUP BY p.segment")
        self.assertIn("CUSTOM analysis rule", m)
        self.assertIn("ANY_QUERY", m)

    def test_cancel_interrupts_a_running_query(self):
        # P alone, in a collaboration of its own, with a CUSTOM rule that lets it run any query:
        # a five-way cross join of its table would run for hours.
        cr = self.p_cr
        mid = solo_collaboration(cr, self.p, self.p_acct.account_id)
        q = self.start(SLOW_QUERY, mid=mid)
        deadline = time.time() + 30
        while cr.get_protected_query(membershipIdentifier=mid, protectedQueryIdentifier=q["id"])[
                "protectedQuery"]["status"] == "SUBMITTED" and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        asked = time.time()
        res = cr.update_protected_query(membershipIdentifier=mid, protectedQueryIdentifier=q["id"],
                                        targetStatus="CANCELLED")
        self.assertIn(res["protectedQuery"]["status"], ("CANCELLING", "CANCELLED"))
        done = self.wait(q["id"], mid=mid)
        took = time.time() - asked
        self.assertEqual(done["status"], "CANCELLED", done)
        self.assertLess(took, 2, "cancellation took too long")
        self.assertNotIn("result", done)
        # Cancelling again answers the query as it is; a query that succeeded cannot be
        # cancelled.
        again = cr.update_protected_query(membershipIdentifier=mid, protectedQueryIdentifier=q["id"],
                                          targetStatus="CANCELLED")["protectedQuery"]
        self.assertEqual(again["status"], "CANCELLED")
        quick = self.wait(self.start("SELECT COUNT(*) AS n FROM t", mid=mid)["id"], mid=mid)
        self.assertEqual(quick["status"], "SUCCESS", quick.get("error"))
        self.assertEqual(self.download(quick["result"]["output"]["s3"]["location"]),
                         [["n"], [str(len(self.p_rows))]])
        res = self.server.aws(self.p_acct, "cleanrooms", "update-protected-query",
                              "--membership-identifier", mid,
                              "--protected-query-identifier", quick["id"],
                              "--target-status", "CANCELLED", check=False)
        self.assertEqual(res.returncode, 255, res)
        self.assertIn("ConflictException", res.stderr)

    def test_receivers_must_be_allowed(self):
        # A may not receive results (no CAN_RECEIVE_RESULTS).
        err = call_error(self.p_cr.start_protected_query, membershipIdentifier=self.p_mid,
                         type="SQL", sqlParameters={"queryString": "SELECT 1"},
                         resultConfiguration={"outputConfiguration": {"member": {
                             "accountId": self.a_acct.account_id}}})
        self.assertIn(err["code"], ("ValidationException", "AccessDeniedException"), err)
        # A cannot query at all (no CAN_QUERY).
        err = call_error(self.a_cr.start_protected_query, membershipIdentifier=self.a_mid,
                         type="SQL", sqlParameters={"queryString": "SELECT 1"},
                         resultConfiguration=self.output())
        self.assertEqual(err["code"], "AccessDeniedException", err)
        # A result bucket of another account is refused.
        err = call_error(self.p_cr.start_protected_query, membershipIdentifier=self.p_mid,
                         type="SQL", sqlParameters={"queryString":
                             "SELECT a.region, SUM(a.amount) FROM purchases a "
                             "JOIN audience p ON a.customer_id = p.customer_id GROUP BY a.region"},
                         resultConfiguration={"outputConfiguration": {"s3": {
                             "resultFormat": "CSV", "bucket": self.a["bucket"]}}})
        self.assertEqual(err["code"], "ValidationException", err)
        self.assertIn("receiver's own bucket", err["message"])

    def test_others_cannot_see_the_query(self):
        q = self.wait(self.start("SELECT a.region, SUM(a.amount) AS t FROM purchases a "
                                 "JOIN audience p ON a.customer_id = p.customer_id "
                                 "GROUP BY a.region")["id"])
        for cr, mid in ((self.a_cr, self.a_mid), (self.x_cr, self.p_mid), (self.a_cr, self.p_mid)):
            err = call_error(cr.get_protected_query, membershipIdentifier=mid,
                             protectedQueryIdentifier=q["id"])
            self.assertEqual(err["code"], "ResourceNotFoundException", err)

    def test_query_logs_reach_the_querier_and_the_table_owner_only(self):
        q = self.wait(self.start("SELECT a.region, SUM(a.amount) AS t FROM purchases a "
                                 "JOIN audience p ON a.customer_id = p.customer_id "
                                 "GROUP BY a.region")["id"])
        group = f"/aws/cleanrooms/{self.cid}"
        entries = {}
        for name, acct in (("P", self.p_acct), ("A", self.a_acct)):
            out = self.server.aws_json(acct, "logs", "filter-log-events", "--log-group-name", group,
                                       "--filter-pattern", f'"{q["id"]}"')
            entries[name] = [json.loads(e["message"]) for e in out["events"]]
        for name in ("P", "A"):
            self.assertEqual(sorted(e["schemaName"] for e in entries[name]),
                             ["audience", "purchases"], entries[name])
            for e in entries[name]:
                self.assertEqual(e["status"], "SUCCESS")
                self.assertEqual(e["querierAccountId"], self.p_acct.account_id)
                self.assertIn("SUM(a.amount)", e["queryText"])
        a_ids = {e["schemaName"]: e.get("configuredTableId") for e in entries["A"]}
        self.assertEqual(a_ids, {"purchases": self.a_table, "audience": None})
        x_logs = self.server.client("logs", self.x_acct)
        self.assertEqual(x_logs.describe_log_groups(logGroupNamePrefix="/aws/cleanrooms")[
            "logGroups"], [])



class ProtectedQueryRestartTest(ServerTestCase):
    """A server stopped mid-query, by SIGTERM or by a crash, never leaves the query running:
    after the restart it is FAILED, and the server runs new queries as before."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p_acct = cls.server.create_account()
        _, cls.p_rows = make_data()
        cls.p = ProtectedQueryTest.provision.__func__(
            cls, cls.p_acct, "pub", ["customer_id", "segment", "score"],
            [("customer_id", "bigint"), ("segment", "string"), ("score", "bigint")],
            to_csv(["customer_id", "segment", "score"], cls.p_rows))
        cls.mid = solo_collaboration(cls.server.client("cleanrooms", cls.p_acct), cls.p,
                                     cls.p_acct.account_id)
        cls.bucket = "pub-results-" + random_id()[:8]
        cls.server.client("s3", cls.p_acct).create_bucket(Bucket=cls.bucket)

    def cr(self):
        # The server listens on a new port after each restart.
        return self.server.client("cleanrooms", self.p_acct)

    def start_slow(self):
        cr = self.cr()
        qid = cr.start_protected_query(
            membershipIdentifier=self.mid, type="SQL", sqlParameters={"queryString": SLOW_QUERY},
            resultConfiguration={"outputConfiguration": {"s3": {
                "resultFormat": "CSV", "bucket": self.bucket, "keyPrefix": "r/"}}}
        )["protectedQuery"]["id"]
        deadline = time.time() + 30
        while time.time() < deadline:
            status = cr.get_protected_query(membershipIdentifier=self.mid,
                                            protectedQueryIdentifier=qid)["protectedQuery"]["status"]
            if status == "STARTED":
                return qid
            self.assertEqual(status, "SUBMITTED")
            time.sleep(0.02)
        self.fail("the query did not start")

    def query(self, qid):
        return self.cr().get_protected_query(membershipIdentifier=self.mid,
                                             protectedQueryIdentifier=qid)["protectedQuery"]

    def assert_runs_new_queries(self):
        cr = self.cr()
        qid = cr.start_protected_query(
            membershipIdentifier=self.mid, type="SQL",
            sqlParameters={"queryString": "SELECT COUNT(*) AS n FROM t"},
            resultConfiguration={"outputConfiguration": {"s3": {
                "resultFormat": "CSV", "bucket": self.bucket, "keyPrefix": "r/"}}}
        )["protectedQuery"]["id"]
        deadline = time.time() + 30
        while (q := self.query(qid))["status"] not in ("SUCCESS", "FAILED") and \
                time.time() < deadline:
            time.sleep(0.02)
        self.assertEqual(q["status"], "SUCCESS", q.get("error"))

    def test_sigterm_mid_query_ends_it_failed(self):
        qid = self.start_slow()
        began = time.time()
        self.server.restart()  # SIGTERM; asserts a clean exit
        self.assertLess(time.time() - began, 20, "shutdown waited for the query")
        q = self.query(qid)
        self.assertEqual(q["status"], "FAILED", q)
        self.assertIn(q["error"]["code"], ("SERVER_SHUTDOWN", "SERVER_RESTARTED"), q)
        self.assertNotIn("result", q)
        self.assert_runs_new_queries()

    def test_the_query_timeout_flag_stops_a_long_query(self):
        self.server.extra_args = ["--query-timeout", "1"]
        try:
            self.server.restart()
            qid = self.start_slow()
            deadline = time.time() + 30
            while (q := self.query(qid))["status"] == "STARTED" and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(q["status"], "TIMED_OUT", q)
            self.assertEqual(q["error"]["code"], "QUERY_TIMED_OUT", q)
            self.assertNotIn("result", q)
        finally:
            self.server.extra_args = []
            self.server.restart()
        self.assert_runs_new_queries()

    def test_crash_mid_query_ends_it_failed_after_the_restart(self):
        qid = self.start_slow()
        self.server._kill()  # SIGKILL: nothing runs on the way down
        self.server.start()
        q = self.query(qid)
        self.assertEqual(q["status"], "FAILED", q)
        self.assertEqual(q["error"]["code"], "SERVER_RESTARTED", q)
        self.assertTrue(q["error"]["message"], q)
        # Nothing of the interrupted query is left in the server's scratch directories.
        for scratch in ("query-results", "query-spill"):
            path = os.path.join(self.server.data_dir, scratch)
            self.assertEqual(os.listdir(path) if os.path.isdir(path) else [], [], scratch)
        self.assert_runs_new_queries()


if __name__ == "__main__":
    unittest.main()
