"""Glue crawlers that really crawl: the recipe's preparation and steps 1-3 as written (buckets,
the two organizations' CSVs, IAM roles and policies, the database and two crawlers) with the
real AWS CLI, then get-tables; Parquet and JSON-lines data with Hive partitions and
get-partitions; recrawls; a role without s3:GetObject; another account's data and catalog."""

import json
import os
import secrets
import shutil
import tempfile
import unittest

import harness
from harness import ServerTestCase
from test_iam import RECIPE_STEP_2
from test_s3_recipe import ORG_A_CSV, ORG_B_CSV

HERE = os.path.dirname(os.path.abspath(__file__))
CRAWL_TIMEOUT_S = 60

# The recipe's preparation (its put-bucket-encryption shorthand is refused by the AWS CLI
# itself, so the JSON form is used) and step 1's uploads; the two CSVs are the recipe's
# (test_s3_recipe holds them).
RECIPE_PREPARATION_AND_STEP_1 = r"""
aws s3 mb s3://${S3_BUCKET_ORG_A} --region ${AWS_REGION}
aws s3 mb s3://${S3_BUCKET_ORG_B} --region ${AWS_REGION}
for b in ${S3_BUCKET_ORG_A} ${S3_BUCKET_ORG_B}; do
  aws s3api put-bucket-versioning --bucket $b --versioning-configuration Status=Enabled
  aws s3api put-bucket-encryption --bucket $b --server-side-encryption-configuration \
      '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
done

   aws s3 cp customer_data_org_a.csv s3://${S3_BUCKET_ORG_A}/data/
   aws s3 cp customer_data_org_b.csv s3://${S3_BUCKET_ORG_B}/data/
"""

# Step 3 as written, with the recipe's `sleep 60` replaced by polling get-crawler.
RECIPE_STEP_3 = r"""
   aws glue create-database \
       --database-input "{\"Name\":\"${GLUE_DATABASE}\", \
       \"Description\":\"Clean Rooms analytics database for privacy-preserving collaboration\"}"

   aws glue create-crawler \
       --name "crawler-org-a-${RANDOM_SUFFIX}" \
       --role "arn:aws:iam::${AWS_ACCOUNT_ID}:role/GlueCleanRoomsRole" \
       --database-name "${GLUE_DATABASE}" \
       --description "Crawler for Organization A customer data" \
       --targets "{\"S3Targets\": [{\"Path\": \"s3://${S3_BUCKET_ORG_A}/data/\"}]}"

   aws glue create-crawler \
       --name "crawler-org-b-${RANDOM_SUFFIX}" \
       --role "arn:aws:iam::${AWS_ACCOUNT_ID}:role/GlueCleanRoomsRole" \
       --database-name "${GLUE_DATABASE}" \
       --description "Crawler for Organization B customer data" \
       --targets "{\"S3Targets\": [{\"Path\": \"s3://${S3_BUCKET_ORG_B}/data/\"}]}"

   aws glue start-crawler --name "crawler-org-a-${RANDOM_SUFFIX}"
   aws glue start-crawler --name "crawler-org-b-${RANDOM_SUFFIX}"

   for c in "crawler-org-a-${RANDOM_SUFFIX}" "crawler-org-b-${RANDOM_SUFFIX}"; do
     for i in $(seq 1 300); do
       state=$(aws glue get-crawler --name "$c" --query Crawler.State --output text)
       [ "$state" = READY ] && break
       sleep 0.2
     done
   done
"""

GLUE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def allow(*actions):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": list(actions), "Resource": "*"}]})


def table_columns(table):
    return [(c["Name"], c["Type"]) for c in table["StorageDescriptor"]["Columns"]]


class CrawlTestBase(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()
        cls.s3 = cls.server.client("s3", cls.acct)
        cls.iam = cls.server.client("iam", cls.acct)
        cls.glue = cls.server.client("glue", cls.acct)
        cls.suffix = secrets.token_hex(3)
        cls.iam.create_role(RoleName="Crawler", AssumeRolePolicyDocument=GLUE_TRUST)
        cls.iam.put_role_policy(RoleName="Crawler", PolicyName="read",
                                PolicyDocument=allow("s3:GetObject", "s3:ListBucket"))
        cls.bucket = f"crawl-{cls.suffix}"
        cls.s3.create_bucket(Bucket=cls.bucket)
        cls.database = f"db_{cls.suffix}"
        cls.glue.create_database(DatabaseInput={"Name": cls.database})

    def wait_crawl(self, glue, name):
        def done():
            c = glue.get_crawler(Name=name)["Crawler"]
            return c if c["State"] == "READY" and "LastCrawl" in c else None
        crawler = harness.wait_until(done, timeout=CRAWL_TIMEOUT_S, interval=0.1)
        self.assertTrue(crawler, f"crawler {name} did not finish")
        return crawler["LastCrawl"]

    def crawl(self, name, path, role="Crawler", exclusions=(), expect="SUCCEEDED", **extra):
        """Creates (or reuses) crawler `name`, runs it to the end, returns its LastCrawl."""
        try:
            self.glue.get_crawler(Name=name)
        except self.glue.exceptions.EntityNotFoundException:
            self.glue.create_crawler(
                Name=name, Role=role, DatabaseName=self.database,
                Targets={"S3Targets": [{"Path": path, "Exclusions": list(exclusions)}]}, **extra)
        before = self.glue.get_crawler(Name=name)["Crawler"].get("LastCrawl", {}).get("StartTime")
        self.glue.start_crawler(Name=name)
        last = self.wait_crawl(self.glue, name)
        while last.get("StartTime") == before:   # the previous run's LastCrawl
            last = self.wait_crawl(self.glue, name)
        self.assertEqual(last["Status"], expect, last)
        return last

    def tables(self):
        return {t["Name"]: t for t in
                self.glue.get_tables(DatabaseName=self.database)["TableList"]}


class RecipeCrawlTest(ServerTestCase):
    """The recipe's preparation and steps 1-3, as written, through bash and the AWS CLI."""

    def test_recipe_steps_1_to_3(self):
        acct = self.server.create_account()
        work = tempfile.mkdtemp(prefix="cleanroom-e2e-recipe-")
        self.addCleanup(shutil.rmtree, work, True)
        suffix = secrets.token_hex(3)
        for name, text in (("customer_data_org_a.csv", ORG_A_CSV),
                           ("customer_data_org_b.csv", ORG_B_CSV)):
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        prologue = (f"export AWS_REGION={harness.REGION}\nexport RANDOM_SUFFIX={suffix}\n"
                    "export S3_BUCKET_ORG_A=clean-rooms-data-a-${RANDOM_SUFFIX}\n"
                    "export S3_BUCKET_ORG_B=clean-rooms-data-b-${RANDOM_SUFFIX}\n"
                    "export GLUE_DATABASE=clean_rooms_analytics_${RANDOM_SUFFIX//-/_}\n")
        harness.run_bash_with_aws(
            self.server, acct,
            prologue + RECIPE_PREPARATION_AND_STEP_1 + RECIPE_STEP_2 + RECIPE_STEP_3, work)

        glue = self.server.client("glue", acct)
        database = f"clean_rooms_analytics_{suffix}"
        for org in ("a", "b"):
            last = glue.get_crawler(Name=f"crawler-org-{org}-{suffix}")["Crawler"]["LastCrawl"]
            self.assertEqual(last["Status"], "SUCCEEDED", last)

        out = self.server.aws_json(acct, "glue", "get-tables", "--database-name", database)
        tables = {t["StorageDescriptor"]["Location"]: t for t in out["TableList"]}
        self.assertEqual(set(tables), {f"s3://clean-rooms-data-a-{suffix}/data/",
                                       f"s3://clean-rooms-data-b-{suffix}/data/"})
        a = tables[f"s3://clean-rooms-data-a-{suffix}/data/"]
        b = tables[f"s3://clean-rooms-data-b-{suffix}/data/"]
        # Both folders are called data/: one table is "data", the other gets a unique suffix.
        names = sorted([a["Name"], b["Name"]])
        self.assertEqual(names[0], "data")
        self.assertRegex(names[1], r"^data_[0-9a-f]{8}$")
        self.assertEqual(table_columns(a), [
            ("customer_id", "bigint"), ("age_group", "string"), ("region", "string"),
            ("purchase_amount", "double"), ("product_category", "string"),
            ("registration_date", "date")])
        self.assertEqual(table_columns(b), [
            ("customer_id", "bigint"), ("age_group", "string"), ("region", "string"),
            ("engagement_score", "bigint"), ("channel_preference", "string"),
            ("last_interaction", "date")])
        for t in (a, b):
            self.assertEqual(t["Parameters"]["classification"], "csv")
            self.assertEqual(t["Parameters"]["recordCount"], "10")
            self.assertEqual(t["Parameters"]["skip.header.line.count"], "1")
            self.assertEqual(t["TableType"], "EXTERNAL_TABLE")
            self.assertEqual(t["StorageDescriptor"]["SerdeInfo"]["Parameters"]["field.delim"], ",")
            self.assertEqual(t["DatabaseName"], database)


class CrawlFormatsTest(CrawlTestBase):

    def test_parquet_with_hive_partitions_and_get_partitions(self):
        for year in (2023, 2024):
            with open(os.path.join(HERE, "data", f"orders_{year}.parquet"), "rb") as f:
                self.s3.put_object(Bucket=self.bucket, Key=f"orders/year={year}/part-0.parquet",
                                   Body=f.read())
        self.s3.put_object(Bucket=self.bucket, Key="orders/_SUCCESS", Body=b"")
        self.crawl(f"orders-{self.suffix}", f"s3://{self.bucket}/orders/", TablePrefix="raw_")
        table = self.tables()["raw_orders"]
        self.assertEqual(table_columns(table), [
            ("order_id", "int"), ("amount", "decimal(10,2)"), ("sku", "string"),
            ("order_date", "date"), ("ordered_at", "timestamp"), ("gift", "boolean")])
        self.assertEqual(table["PartitionKeys"], [{"Name": "year", "Type": "string"}])
        self.assertEqual(table["Parameters"]["classification"], "parquet")
        self.assertEqual(table["Parameters"]["recordCount"], "100")
        self.assertIn("Parquet", table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"])
        parts = self.glue.get_partitions(DatabaseName=self.database,
                                         TableName="raw_orders")["Partitions"]
        self.assertEqual(sorted(p["Values"][0] for p in parts), ["2023", "2024"])
        located = {p["Values"][0]: p["StorageDescriptor"]["Location"] for p in parts}
        self.assertEqual(located["2024"], f"s3://{self.bucket}/orders/year=2024/")
        only = self.glue.get_partitions(DatabaseName=self.database, TableName="raw_orders",
                                        Expression="year = '2023'")["Partitions"]
        self.assertEqual([p["Values"] for p in only], [["2023"]])

    def test_json_lines_with_exclusions_and_a_corrupt_file(self):
        rows = [{"id": i, "name": f"n{i}", "score": i / 2, "tags": ["x"]} for i in range(20)]
        body = "".join(json.dumps(r) + "\n" for r in rows).encode()
        self.s3.put_object(Bucket=self.bucket, Key="events/day=1/a.json", Body=body)
        self.s3.put_object(Bucket=self.bucket, Key="events/day=2/b.json", Body=body)
        self.s3.put_object(Bucket=self.bucket, Key="events/day=2/broken.parquet",
                           Body=b"PAR1 not really parquet PAR1")
        self.s3.put_object(Bucket=self.bucket, Key="events/day=3/skip.csv", Body=b"a,b\n1,2\n")
        self.crawl(f"events-{self.suffix}", f"s3://{self.bucket}/events/",
                   exclusions=["**.csv"])
        table = self.tables()["events"]
        self.assertEqual(table_columns(table), [("id", "bigint"), ("name", "string"),
                                                ("score", "double"), ("tags", "array<string>")])
        self.assertEqual(table["Parameters"]["classification"], "json")
        parts = self.glue.get_partitions(DatabaseName=self.database, TableName="events")
        self.assertEqual(sorted(p["Values"][0] for p in parts["Partitions"]), ["1", "2"])
        # The corrupt object was skipped and named in the crawl's log summary.
        finished = [r for r in self.server.log_records() if r.get("msg") == "crawl finished"
                    and r.get("crawler") == f"events-{self.suffix}"]
        self.assertTrue(finished)
        notes = "\n".join(finished[-1].get("messages", []))
        self.assertIn(f"s3://{self.bucket}/events/day=2/broken.parquet", notes)
        self.assertNotIn("skip.csv", notes)

    def test_recrawl_updates_the_schema(self):
        key = "people/p.csv"
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"id,name\n1,a\n2,b\n")
        name = f"people-{self.suffix}"
        self.crawl(name, f"s3://{self.bucket}/people/")
        self.assertEqual(table_columns(self.tables()["people"]),
                         [("id", "bigint"), ("name", "string")])
        self.s3.put_object(Bucket=self.bucket, Key=key,
                           Body=b"id,name,zip\n1,a,02134\n2,b,00501\n")
        self.crawl(name, f"s3://{self.bucket}/people/")
        tables = self.tables()
        self.assertEqual(table_columns(tables["people"]),
                         [("id", "bigint"), ("name", "string"), ("zip", "string")])
        self.assertEqual([n for n in tables if n.startswith("people")], ["people"])
        metrics = self.glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"][0]
        self.assertEqual(metrics["TablesUpdated"], 1)


class CrawlAccessTest(CrawlTestBase):

    def test_a_role_without_get_object_fails_with_access_denied(self):
        self.iam.create_role(RoleName="ListOnly", AssumeRolePolicyDocument=GLUE_TRUST)
        self.iam.put_role_policy(RoleName="ListOnly", PolicyName="list",
                                 PolicyDocument=allow("s3:ListBucket"))
        self.s3.put_object(Bucket=self.bucket, Key="secret/s.csv", Body=b"a,b\n1,2\n")
        last = self.crawl(f"denied-{self.suffix}", f"s3://{self.bucket}/secret/",
                          role="ListOnly", expect="FAILED")
        self.assertIn("AccessDenied", last["ErrorMessage"])
        self.assertIn("s3:GetObject", last["ErrorMessage"])
        self.assertNotIn("secret", self.tables())

    def test_a_role_glue_may_not_assume_fails(self):
        self.iam.create_role(RoleName="NotForGlue", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "cleanrooms.amazonaws.com"},
                "Action": "sts:AssumeRole"}]}))
        self.s3.put_object(Bucket=self.bucket, Key="other/o.csv", Body=b"a\n1\n")
        last = self.crawl(f"untrusted-{self.suffix}", f"s3://{self.bucket}/other/",
                          role="NotForGlue", expect="FAILED")
        self.assertIn("glue.amazonaws.com", last["ErrorMessage"])
        self.assertNotIn("other", self.tables())

    def test_another_account_can_read_neither_the_catalog_nor_the_bucket(self):
        self.s3.put_object(Bucket=self.bucket, Key="mine/m.csv", Body=b"a,b\n1,2\n")
        self.crawl(f"mine-{self.suffix}", f"s3://{self.bucket}/mine/")
        self.assertIn("mine", self.tables())

        other = self.server.create_account()
        glue_b = self.server.client("glue", other)
        s3_b = self.server.client("s3", other)
        iam_b = self.server.client("iam", other)
        self.assertClientError(glue_b.get_tables, "EntityNotFoundException", 400,
                               DatabaseName=self.database)
        self.assertClientError(glue_b.get_table, "EntityNotFoundException", 400,
                               DatabaseName=self.database, Name="mine")
        self.assertClientError(s3_b.get_object, "AccessDenied", 403, Bucket=self.bucket,
                               Key="mine/m.csv")
        # Nor can its crawler, through its own role that allows everything, or through ours.
        iam_b.create_role(RoleName="Crawler", AssumeRolePolicyDocument=GLUE_TRUST)
        iam_b.put_role_policy(RoleName="Crawler", PolicyName="all", PolicyDocument=allow("s3:*"))
        glue_b.create_database(DatabaseInput={"Name": "theirs"})
        for name, role, why in (
                ("steal", "Crawler", "AccessDenied"),
                ("borrow", f"arn:aws:iam::{self.acct.account_id}:role/Crawler",
                 "a role can only be passed by its own account")):
            glue_b.create_crawler(Name=f"{name}-{self.suffix}", Role=role, DatabaseName="theirs",
                                  Targets={"S3Targets": [{"Path": f"s3://{self.bucket}/mine/"}]})
            glue_b.start_crawler(Name=f"{name}-{self.suffix}")
            last = self.wait_crawl(glue_b, f"{name}-{self.suffix}")
            self.assertEqual(last["Status"], "FAILED", last)
            self.assertIn(why, last["ErrorMessage"])
        self.assertEqual(glue_b.get_tables(DatabaseName="theirs")["TableList"], [])


if __name__ == "__main__":
    unittest.main()
