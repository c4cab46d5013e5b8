"""The recipe as a script, end to end: `scripts/demo.sh` (what the README's main command runs)
makes an account and runs `examples/aws-recipe/recipe.sh` against the server with the real AWS
CLI (endpoint from AWS_ENDPOINT_URL, as a user would point it), from the S3
preparation through the crawlers, the collaboration, the configured tables and associations to
the protected query. Its result, downloaded with `aws s3 cp`, equals the answer computed here
from the recipe's two CSVs. The recipe's query as the recipe writes it fails with a
ValidationException that says what to change, as on AWS.
"""

import csv
import io
import json
import os
import subprocess
import unittest
from collections import defaultdict

import harness
from harness import ServerTestCase
from cleanrooms_support import UUID_RE, call_error
from test_s3_recipe import ORG_A_CSV, ORG_B_CSV

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEMO = os.path.join(ROOT, "scripts", "demo.sh")

# Step 7's query exactly as the recipe has it.
RECIPE_QUERY = """SELECT 
    age_group,
    region,
    COUNT(*) as customer_count,
    AVG(purchase_amount) as avg_purchase_amount,
    AVG(engagement_score) as avg_engagement_score
FROM org_a_customers a
INNER JOIN org_b_customers b 
    ON a.age_group = b.age_group 
    AND a.region = b.region
GROUP BY age_group, region
HAVING COUNT(*) >= 3
"""


def expected_result():
    """The recipe's query computed over the two CSVs: inner join on (age_group, region), groups
    of at least three joined rows."""
    a_rows = list(csv.DictReader(io.StringIO(ORG_A_CSV)))
    b_rows = list(csv.DictReader(io.StringIO(ORG_B_CSV)))
    groups = defaultdict(list)
    for a in a_rows:
        for b in b_rows:
            if (a["age_group"], a["region"]) == (b["age_group"], b["region"]):
                groups[(a["age_group"], a["region"])].append(
                    (float(a["purchase_amount"]), float(b["engagement_score"])))
    out = {}
    for key, pairs in groups.items():
        if len(pairs) >= 3:
            out[key] = (len(pairs), sum(p for p, _ in pairs) / len(pairs),
                        sum(e for _, e in pairs) / len(pairs))
    return out


class RecipeScriptTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # scripts/demo.sh, which the README's main command runs: an account "demo" made with
        # the admin CLI runs recipe.sh; the endpoint comes from the data dir, given to the AWS
        # CLI as AWS_ENDPOINT_URL.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        if os.sep in harness.AWS_CLI:
            env["PATH"] = os.path.dirname(os.path.abspath(harness.AWS_CLI)) + os.pathsep + \
                env.get("PATH", "")
        env["CLEANROOM_CLI"] = harness.cli_path()
        cls.run_result = subprocess.run([DEMO, cls.server.data_dir], env=env,
                                        capture_output=True, encoding="utf-8", errors="replace",
                                        timeout=600, stdin=subprocess.DEVNULL)
        demo = os.path.join(cls.server.data_dir, "demo")
        cls.outputs = os.path.join(demo, "recipe-outputs.env")
        cls.credentials = os.path.join(demo, "credentials")
        cls.cr = None
        if cls.run_result.returncode == 0:
            keys = {}
            with open(cls.credentials) as f:
                for line in f:
                    key, _, value = line.partition(" = ")
                    keys[key.strip()] = value.strip()
            cls.acct = harness.Account(keys["# account_id"], "demo", keys["aws_access_key_id"],
                                       keys["aws_secret_access_key"])
            cls.cr = cls.server.client("cleanrooms", cls.acct)

    def setUp(self):
        res = self.run_result
        self.assertEqual(res.returncode, 0,
                         f"demo.sh failed\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}")
        with open(self.outputs) as f:
            self.v = dict(line.strip().split("=", 1) for line in f if "=" in line)

    def test_the_demo_is_set_up_once_with_private_credentials(self):
        self.assertEqual(os.stat(self.credentials).st_mode & 0o777, 0o600)
        accounts = self.server.cli_json("admin", "account", "list")
        self.assertIn(self.acct.account_id, json.dumps(accounts))
        self.assertIn(self.v["QUERY_ID"], self.run_result.stdout)
        self.assertIn("age_group,region,customer_count", self.run_result.stdout)
        # A second run (the server restarted with the same data dir) changes nothing.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["CLEANROOM_CLI"] = harness.cli_path()
        again = subprocess.run([DEMO, self.server.data_dir], env=env, capture_output=True,
                               encoding="utf-8", timeout=60, stdin=subprocess.DEVNULL)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertNotIn("running the recipe", again.stdout)
        self.assertEqual(self.server.cli_json("admin", "account", "list"), accounts)
        queries = self.cr.list_protected_queries(
            membershipIdentifier=self.v["MEMBERSHIP_ID"])["protectedQueries"]
        self.assertEqual([q["id"] for q in queries], [self.v["QUERY_ID"]])

    def test_the_recipe_query_succeeds_with_the_independent_answer(self):
        v = self.v
        self.assertRegex(v["QUERY_ID"], f"^{UUID_RE}$")
        q = self.cr.get_protected_query(membershipIdentifier=v["MEMBERSHIP_ID"],
                                        protectedQueryIdentifier=v["QUERY_ID"])["protectedQuery"]
        self.assertEqual(q["status"], "SUCCESS", q.get("error"))
        location = q["result"]["output"]["s3"]["location"]
        self.assertTrue(location.startswith(
            f"s3://{v['RESULTS_BUCKET']}/query-results/{v['QUERY_ID']}/"), location)
        with open(os.path.join(self.server.data_dir, "demo", "recipe.log")) as f:
            self.assertIn(f"SUCCESS\t{location}", f.read())

        target = os.path.join(self.tmp, "result")
        res = self.server.aws(self.acct, "s3", "cp", "--recursive", location, target)
        self.assertEqual(res.returncode, 0, res.stderr)
        files = [os.path.join(r, n) for r, _, names in os.walk(target) for n in names]
        self.assertEqual(len(files), 1, files)
        self.assertTrue(files[0].endswith(".csv"), files)
        with open(files[0]) as f:
            rows = list(csv.reader(f))
        self.assertEqual(rows[0], ["age_group", "region", "customer_count",
                                   "avg_purchase_amount", "avg_engagement_score"])
        got = {(r[0], r[1]): (int(r[2]), float(r[3]), float(r[4])) for r in rows[1:]}
        want = expected_result()
        self.assertEqual(len(rows) - 1, len(got), "a group appears twice")
        self.assertEqual(set(got), set(want))
        self.assertTrue(want, "the recipe data has groups of three or more")
        for key, (n, purchase, engagement) in want.items():
            self.assertEqual(got[key][0], n, key)
            self.assertAlmostEqual(got[key][1], purchase, places=6, msg=key)
            self.assertAlmostEqual(got[key][2], engagement, places=6, msg=key)
        stats = q.get("statistics", {})
        self.assertGreaterEqual(stats.get("totalDurationInMillis", -1), 0, q)

    def test_the_unchanged_recipe_query_says_what_to_change(self):
        v = self.v
        output = {"outputConfiguration": {"s3": {"resultFormat": "CSV",
                                                 "bucket": v["RESULTS_BUCKET"],
                                                 "keyPrefix": "query-results/"}}}
        before = self.cr.list_protected_queries(
            membershipIdentifier=v["MEMBERSHIP_ID"])["protectedQueries"]

        # The recipe names its tables org_a_customers / org_b_customers: not association names.
        err = call_error(self.cr.start_protected_query, membershipIdentifier=v["MEMBERSHIP_ID"],
                         type="SQL", sqlParameters={"queryString": RECIPE_QUERY},
                         resultConfiguration=output)
        self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), err)
        self.assertIn('"org_a_customers" is not a table of this collaboration', err["message"])
        self.assertIn("configured table association", err["message"])
        self.assertIn("line 7", err["message"])

        # With the association names but age_group and region unqualified, the query is
        # ambiguous: both tables have those columns.
        renamed = RECIPE_QUERY.replace("org_a_customers", '"org-a-association"').replace(
            "org_b_customers", '"org-b-association"')
        err = call_error(self.cr.start_protected_query, membershipIdentifier=v["MEMBERSHIP_ID"],
                         type="SQL", sqlParameters={"queryString": renamed},
                         resultConfiguration=output)
        self.assertEqual(err["code"], "ValidationException", err)
        self.assertIn("age_group", err["message"])
        self.assertIn("a.age_group", err["message"])

        # The recipe's shorthand `queryString="SELECT ... , ..."`: the AWS CLI itself splits
        # it at the commas and refuses it before anything is sent.
        one_line = RECIPE_QUERY.replace("\n", " ")
        res = self.server.aws(self.acct, "cleanrooms", "start-protected-query", "--type", "SQL",
                              "--membership-identifier", v["MEMBERSHIP_ID"],
                              "--sql-parameters", f"queryString={one_line}",
                              "--result-configuration", json.dumps(output), check=False)
        self.assertNotEqual(res.returncode, 0, res)

        after = self.cr.list_protected_queries(
            membershipIdentifier=v["MEMBERSHIP_ID"])["protectedQueries"]
        self.assertEqual(len(after), len(before), "a refused query was stored")


if __name__ == "__main__":
    unittest.main()
