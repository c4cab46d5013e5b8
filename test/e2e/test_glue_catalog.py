"""Glue Data Catalog and crawlers: the recipe's step 3 with the real AWS CLI (create-database,
create-crawler, start-crawler, get-crawler, get-tables, delete-crawler, delete-database), and
boto3 for the catalog API and its errors in Glue's `__type` form. This server has no crawler
engine wired in yet, so crawls end FAILED with a message; a crawl through a role that was never
created fails too once the engine exists, so the assertions hold either way."""

import datetime
import json
import secrets
import time
import unittest

from botocore.exceptions import ClientError

import harness
from harness import ServerTestCase

CRAWL_TIMEOUT_S = 60


def glue_suffix():
    # The recipe's RANDOM_SUFFIX: six characters of [a-z0-9].
    return secrets.token_hex(3)


class GlueRecipeTest(ServerTestCase):
    """Step 3 of the recipe, as written, through the AWS CLI."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()

    def aws(self, *args, **kw):
        return self.server.aws(self.acct, *args, **kw)

    def aws_json(self, *args, **kw):
        return self.server.aws_json(self.acct, *args, **kw)

    def wait_ready(self, crawler):
        def ready():
            out = self.aws_json("glue", "get-crawler", "--name", crawler)
            return out if out["Crawler"]["State"] == "READY" and "LastCrawl" in out["Crawler"] else None
        out = harness.wait_until(ready, timeout=CRAWL_TIMEOUT_S, interval=0.2)
        self.assertTrue(out, f"crawler {crawler} did not finish within {CRAWL_TIMEOUT_S}s")
        return out["Crawler"]

    def test_recipe_step3(self):
        suffix = glue_suffix()
        account_id = self.aws("sts", "get-caller-identity", "--query", "Account",
                              "--output", "text").stdout.strip()
        self.assertEqual(account_id, self.acct.account_id)
        database = f"clean_rooms_analytics_{suffix}"
        bucket_a = f"clean-rooms-data-a-{suffix}"
        bucket_b = f"clean-rooms-data-b-{suffix}"

        # aws glue create-database --database-input "{\"Name\":\"${GLUE_DATABASE}\", \
        #     \"Description\":\"Clean Rooms analytics database for privacy-preserving collaboration\"}"
        # (the backslash-newline inside the double quotes joins the lines, keeping the indent)
        database_input = ('{"Name":"' + database + '",        '
                          '"Description":"Clean Rooms analytics database for privacy-preserving '
                          'collaboration"}')
        res = self.aws("glue", "create-database", "--database-input", database_input)
        self.assertEqual(res.stdout.strip(), "", "create-database prints nothing")

        for org, bucket in (("a", bucket_a), ("b", bucket_b)):
            res = self.aws(
                "glue", "create-crawler",
                "--name", f"crawler-org-{org}-{suffix}",
                "--role", f"arn:aws:iam::{account_id}:role/GlueCleanRoomsRole",
                "--database-name", database,
                "--description", f"Crawler for Organization {org.upper()} customer data",
                "--targets", '{"S3Targets": [{"Path": "s3://' + bucket + '/data/"}]}')
            self.assertEqual(res.stdout.strip(), "")

        crawler = self.aws_json("glue", "get-crawler", "--name", f"crawler-org-a-{suffix}")["Crawler"]
        self.assertEqual(crawler["Name"], f"crawler-org-a-{suffix}")
        self.assertEqual(crawler["Role"], f"arn:aws:iam::{account_id}:role/GlueCleanRoomsRole")
        self.assertEqual(crawler["DatabaseName"], database)
        self.assertEqual(crawler["Description"], "Crawler for Organization A customer data")
        self.assertEqual(crawler["State"], "READY")
        self.assertEqual(crawler["Version"], 1)
        self.assertEqual(crawler["Targets"]["S3Targets"],
                         [{"Path": f"s3://{bucket_a}/data/", "Exclusions": []}])
        self.assertEqual(crawler["SchemaChangePolicy"],
                         {"UpdateBehavior": "UPDATE_IN_DATABASE",
                          "DeleteBehavior": "DEPRECATE_IN_DATABASE"})
        self.assertEqual(crawler["RecrawlPolicy"], {"RecrawlBehavior": "CRAWL_EVERYTHING"})
        self.assertNotIn("LastCrawl", crawler)
        # AWS CLI v1 prints the epoch-second timestamps as sent (cli_timestamp_format "none").
        self.assertIsInstance(crawler["CreationTime"], (int, float))
        self.assertLess(abs(crawler["CreationTime"] - time.time()), 300)

        for org in ("a", "b"):
            res = self.aws("glue", "start-crawler", "--name", f"crawler-org-{org}-{suffix}")
            self.assertEqual(res.stdout.strip(), "")
        for org in ("a", "b"):
            done = self.wait_ready(f"crawler-org-{org}-{suffix}")
            last = done["LastCrawl"]
            # No crawler engine (or no such role, no such bucket): the crawl fails and says why.
            self.assertEqual(last["Status"], "FAILED", last)
            self.assertTrue(last.get("ErrorMessage"), last)
            self.assertEqual(last["LogGroup"], "/aws-glue/crawlers")
            self.assertEqual(last["LogStream"], f"crawler-org-{org}-{suffix}")
            self.assertTrue(last["MessagePrefix"])

        # The recipe's table lookup: nothing was cataloged, so the query prints nothing.
        res = self.aws("glue", "get-tables", "--database-name", database, "--query",
                       "TableList[?contains(Name, 'customer_data_org_a')].Name", "--output", "text")
        self.assertEqual(res.stdout.strip(), "")
        self.assertEqual(self.aws_json("glue", "get-tables", "--database-name", database),
                         {"TableList": []})

        # Cleanup, as the recipe does it.
        for org in ("a", "b"):
            self.assertEqual(self.aws("glue", "delete-crawler", "--name",
                                      f"crawler-org-{org}-{suffix}").stdout.strip(), "")
        self.assertEqual(self.aws("glue", "delete-database", "--name", database).stdout.strip(), "")
        res = self.aws("glue", "get-crawler", "--name", f"crawler-org-a-{suffix}", check=False)
        self.assertEqual(res.returncode, 255)
        self.assertIn("EntityNotFoundException", res.stderr)
        res = self.aws("glue", "get-database", "--name", database, check=False)
        self.assertEqual(res.returncode, 255)
        self.assertIn("EntityNotFoundException", res.stderr)
        self.assertIn(f"Database {database} not found", res.stderr)

    def test_recipe_shorthand_targets_and_bare_role(self):
        suffix = glue_suffix()
        database = f"db_{suffix}"
        self.aws("glue", "create-database", "--database-input", json.dumps({"Name": database}))
        self.aws("glue", "create-crawler", "--name", f"c-{suffix}", "--role", "GlueCleanRoomsRole",
                 "--database-name", database,
                 "--targets", f"S3Targets=[{{Path=s3://bucket-{suffix}/data/}}]")
        crawler = self.aws_json("glue", "get-crawler", "--name", f"c-{suffix}")["Crawler"]
        self.assertEqual(crawler["Role"], "GlueCleanRoomsRole")
        self.assertEqual(crawler["Targets"]["S3Targets"][0]["Path"], f"s3://bucket-{suffix}/data/")

    def test_get_tables_follows_next_token(self):
        database = f"paged_{glue_suffix()}"
        glue = self.server.client("glue", self.acct)
        glue.create_database(DatabaseInput={"Name": database})
        names = [f"customer_data_{i:02d}" for i in range(23)] + ["orders"]
        for name in names:
            glue.create_table(DatabaseName=database, TableInput={
                "Name": name, "TableType": "EXTERNAL_TABLE",
                "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "bigint"}],
                                      "Location": f"s3://bucket/{name}/"}})
        before = len(self.get_tables_requests())
        out = self.aws_json("glue", "get-tables", "--database-name", database, "--page-size", "5")
        self.assertEqual([t["Name"] for t in out["TableList"]], sorted(names))
        self.assertNotIn("NextToken", out)
        calls = harness.wait_until(lambda: len(self.get_tables_requests()) - before >= 5, timeout=5)
        self.assertTrue(calls, "the CLI should have fetched 5 pages of 5 (it follows NextToken)")

        res = self.aws("glue", "get-tables", "--database-name", database, "--query",
                       "TableList[?contains(Name, 'customer_data_1')].Name", "--output", "text")
        self.assertEqual(res.stdout.split(), [f"customer_data_{i}" for i in range(10, 20)])
        out = self.aws_json("glue", "get-tables", "--database-name", database,
                            "--expression", "customer_data_0*")
        self.assertEqual(len(out["TableList"]), 10)

    def get_tables_requests(self):
        return [r for r in self.server.log_records()
                if r.get("operation") == "GetTables" and r.get("account") == self.acct.account_id]


class GlueApiTest(ServerTestCase):
    """The catalog API through boto3, and every error in Glue's __type form."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.server.create_account()
        cls.b = cls.server.create_account()
        cls.glue = cls.server.client("glue", cls.a)
        cls.glue_b = cls.server.client("glue", cls.b)
        # Without client-side validation, so that the server's own checks are what answers.
        cls.raw = cls.server.client("glue", cls.a, parameter_validation=False)

    def new_database(self, client=None):
        name = f"db_{glue_suffix()}"
        (client or self.glue).create_database(DatabaseInput={"Name": name, "Description": "d"})
        return name

    def test_database_round_trip(self):
        name = f"Mixed_Case_{glue_suffix()}"
        self.glue.create_database(DatabaseInput={"Name": name, "Description": "Org A data",
                                                 "Parameters": {"k": "v"}})
        db = self.glue.get_database(Name=name.lower())["Database"]
        self.assertEqual(db["Name"], name.lower(), "Glue folds database names to lower case")
        self.assertEqual(db["Description"], "Org A data")
        self.assertEqual(db["Parameters"], {"k": "v"})
        self.assertEqual(db["CatalogId"], self.a.account_id)
        self.assertIsInstance(db["CreateTime"], datetime.datetime)
        self.assertLess(abs(db["CreateTime"].timestamp() - time.time()), 300)
        listed = [d["Name"] for d in self.glue.get_databases()["DatabaseList"]]
        self.assertIn(name.lower(), listed)
        self.glue.update_database(Name=name, DatabaseInput={"Name": name, "Description": "new"})
        self.assertEqual(self.glue.get_database(Name=name)["Database"]["Description"], "new")
        self.glue.delete_database(Name=name)
        self.assertClientError(self.glue.get_database, "EntityNotFoundException", 400, Name=name)

    def test_delete_database_takes_its_tables(self):
        name = self.new_database()
        self.glue.create_table(DatabaseName=name, TableInput={
            "Name": "events", "PartitionKeys": [{"Name": "year", "Type": "string"}],
            "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "int"}]}})
        self.glue.create_partition(DatabaseName=name, TableName="events",
                                   PartitionInput={"Values": ["2024"]})
        self.glue.delete_database(Name=name)
        self.glue.create_database(DatabaseInput={"Name": name})
        self.assertEqual(self.glue.get_tables(DatabaseName=name)["TableList"], [])
        self.assertClientError(self.glue.get_table, "EntityNotFoundException", 400,
                               DatabaseName=name, Name="events")

    def test_tables_and_partitions(self):
        db = self.new_database()
        self.glue.create_table(DatabaseName=db, TableInput={
            "Name": "Customers", "TableType": "EXTERNAL_TABLE",
            "StorageDescriptor": {
                "Columns": [{"Name": "customer_id", "Type": "bigint"},
                            {"Name": "region", "Type": "string"}],
                "Location": "s3://org-a-data/data/",
                "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                "SerdeInfo": {"SerializationLibrary":
                              "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                              "Parameters": {"field.delim": ","}}},
            "PartitionKeys": [{"Name": "year", "Type": "int"}],
            "Parameters": {"classification": "csv"}})
        t = self.glue.get_table(DatabaseName=db, Name="customers")["Table"]
        self.assertEqual(t["Name"], "customers")
        self.assertEqual(t["DatabaseName"], db)
        self.assertEqual(t["StorageDescriptor"]["Location"], "s3://org-a-data/data/")
        self.assertEqual([c["Name"] for c in t["StorageDescriptor"]["Columns"]],
                         ["customer_id", "region"])
        self.assertEqual(t["Parameters"], {"classification": "csv"})
        self.assertIsInstance(t["CreateTime"], datetime.datetime)
        self.assertIsInstance(t["UpdateTime"], datetime.datetime)
        self.assertEqual(t["CatalogId"], self.a.account_id)
        self.assertEqual(t["VersionId"], "0")

        out = self.glue.batch_create_partition(DatabaseName=db, TableName="customers",
                                               PartitionInputList=[
                                                   {"Values": [str(y)],
                                                    "StorageDescriptor": {
                                                        "Location": f"s3://org-a-data/data/year={y}/"}}
                                                   for y in range(2019, 2025)])
        self.assertEqual(out["Errors"], [])
        parts = self.glue.get_partitions(DatabaseName=db, TableName="customers",
                                         Expression="year >= 2021 AND (year < 2023 OR year = 2024)")
        self.assertEqual(sorted(p["Values"][0] for p in parts["Partitions"]),
                         ["2021", "2022", "2024"])
        paginator = self.glue.get_paginator("get_partitions")
        pages = list(paginator.paginate(DatabaseName=db, TableName="customers",
                                        PaginationConfig={"PageSize": 4}))
        self.assertEqual(len(pages), 2)
        self.assertEqual(sum(len(p["Partitions"]) for p in pages), 6)
        self.assertClientError(self.glue.get_partitions, "InvalidInputException", 400,
                               DatabaseName=db, TableName="customers", Expression="colour = 'red'")

        self.glue.update_table(DatabaseName=db, TableInput={"Name": "customers",
                                                            "Description": "updated"})
        self.assertEqual(self.glue.get_table(DatabaseName=db, Name="customers")["Table"]["VersionId"], "1")
        errors = self.glue.batch_delete_table(DatabaseName=db, TablesToDelete=["customers", "nope"])
        self.assertEqual(errors["Errors"], [{"TableName": "nope", "ErrorDetail": {
            "ErrorCode": "EntityNotFoundException", "ErrorMessage": "Table nope not found."}}])

    def test_bad_names_are_invalid_input(self):
        for name in ("x" * 256, "two\nlines", ""):
            with self.subTest(name=name[:20]):
                e = self.assertClientError(self.raw.create_database, "InvalidInputException", 400,
                                           DatabaseInput={"Name": name})
                self.assertIn("validation error", e.response["Error"]["Message"])
        db = self.new_database()
        self.assertClientError(self.raw.create_table, "InvalidInputException", 400,
                               DatabaseName=db, TableInput={"Name": "t" * 300})
        self.assertClientError(self.raw.create_crawler, "InvalidInputException", 400,
                               Name="c", Role="not a role!", Targets={"S3Targets": [{"Path": "s3://b/"}]})
        self.assertClientError(self.raw.create_crawler, "InvalidInputException", 400,
                               Name="c", Role="r", Targets={"S3Targets": [{"Path": "/local/path"}]})

    def test_missing_required_members_are_invalid_input(self):
        e = self.assertClientError(self.raw.create_database, "InvalidInputException", 400)
        self.assertIn("Value null at 'databaseInput'", e.response["Error"]["Message"])
        e = self.assertClientError(self.raw.create_crawler, "InvalidInputException", 400, Name="c")
        self.assertIn("'role'", e.response["Error"]["Message"])
        self.assertIn("'targets'", e.response["Error"]["Message"])
        self.assertClientError(self.raw.get_tables, "InvalidInputException", 400)
        # A member of the wrong JSON type is a body the service cannot read.
        self.assertClientError(self.raw.get_database, "SerializationException", 400, Name=42)

    def test_already_exists_and_not_found(self):
        db = self.new_database()
        e = self.assertClientError(self.glue.create_database, "AlreadyExistsException", 400,
                                   DatabaseInput={"Name": db.upper()})
        self.assertEqual(e.response["Error"]["Message"], "Database already exists.")
        self.glue.create_table(DatabaseName=db, TableInput={"Name": "t"})
        self.assertClientError(self.glue.create_table, "AlreadyExistsException", 400,
                               DatabaseName=db, TableInput={"Name": "T"})
        self.assertClientError(self.glue.get_table, "EntityNotFoundException", 400,
                               DatabaseName=db, Name="missing")
        self.assertClientError(self.glue.create_table, "EntityNotFoundException", 400,
                               DatabaseName="no_such_db", TableInput={"Name": "t"})
        self.assertClientError(self.glue.delete_database, "EntityNotFoundException", 400,
                               Name="no_such_db")
        self.assertClientError(self.glue.get_crawler, "EntityNotFoundException", 400, Name="nope")
        # boto3 maps the codes to Glue's modeled exception classes.
        with self.assertRaises(self.glue.exceptions.EntityNotFoundException):
            self.glue.get_database(Name="no_such_db")

    def test_another_account_can_neither_see_nor_change(self):
        db = self.new_database()
        self.glue.create_table(DatabaseName=db, TableInput={"Name": "secret"})
        crawler = f"crawler-{glue_suffix()}"
        self.glue.create_crawler(Name=crawler, Role="GlueRole", DatabaseName=db,
                                 Targets={"S3Targets": [{"Path": "s3://a-bucket/data/"}]})
        b = self.glue_b
        self.assertClientError(b.get_database, "EntityNotFoundException", 400, Name=db)
        self.assertClientError(b.get_tables, "EntityNotFoundException", 400, DatabaseName=db)
        self.assertClientError(b.get_table, "EntityNotFoundException", 400, DatabaseName=db,
                               Name="secret")
        self.assertClientError(b.get_database, "EntityNotFoundException", 400,
                               CatalogId=self.a.account_id, Name=db)
        self.assertClientError(b.delete_table, "EntityNotFoundException", 400, DatabaseName=db,
                               Name="secret")
        self.assertClientError(b.delete_database, "EntityNotFoundException", 400, Name=db)
        self.assertClientError(b.create_table, "EntityNotFoundException", 400, DatabaseName=db,
                               TableInput={"Name": "planted"})
        self.assertClientError(b.get_crawler, "EntityNotFoundException", 400, Name=crawler)
        self.assertClientError(b.start_crawler, "EntityNotFoundException", 400, Name=crawler)
        self.assertClientError(b.delete_crawler, "EntityNotFoundException", 400, Name=crawler)
        self.assertNotIn(db, [d["Name"] for d in b.get_databases()["DatabaseList"]])
        self.assertNotIn(crawler, b.list_crawlers()["CrawlerNames"])
        # B's own database of the same name is a different one.
        b.create_database(DatabaseInput={"Name": db})
        self.assertEqual(b.get_tables(DatabaseName=db)["TableList"], [])
        # A's things are untouched.
        self.assertEqual([t["Name"] for t in self.glue.get_tables(DatabaseName=db)["TableList"]],
                         ["secret"])
        self.assertEqual(self.glue.get_crawler(Name=crawler)["Crawler"]["State"], "READY")

    def test_crawler_lifecycle_and_state_errors(self):
        db = self.new_database()
        name = f"crawler-{glue_suffix()}"
        self.glue.create_crawler(Name=name, Role="UnknownRole", DatabaseName=db,
                                 Targets={"S3Targets": [{"Path": "s3://no-such-bucket/data/"}]},
                                 TablePrefix="org_a_", Tags={"team": "a"})
        self.assertClientError(self.glue.create_crawler, "AlreadyExistsException", 400,
                               Name=name, Role="r", Targets={"S3Targets": [{"Path": "s3://b/"}]})
        e = self.assertClientError(self.glue.stop_crawler, "CrawlerNotRunningException", 400,
                                   Name=name)
        self.assertIn(name, e.response["Error"]["Message"])

        self.glue.start_crawler(Name=name)
        try:
            self.glue.start_crawler(Name=name)
            second_start = None
        except ClientError as err:
            second_start = err
        if second_start is not None:
            # Observable only while the first crawl is still running.
            self.assertEqual(harness.client_error_code(second_start), "CrawlerRunningException")

        def finished():
            c = self.glue.get_crawler(Name=name)["Crawler"]
            return c if c["State"] == "READY" and "LastCrawl" in c else None
        crawler = harness.wait_until(finished, timeout=CRAWL_TIMEOUT_S, interval=0.2)
        self.assertTrue(crawler, "the crawl never finished")
        self.assertEqual(crawler["LastCrawl"]["Status"], "FAILED")
        self.assertTrue(crawler["LastCrawl"]["ErrorMessage"])
        self.assertIsInstance(crawler["LastCrawl"]["StartTime"], datetime.datetime)
        self.assertEqual(self.glue.get_tables(DatabaseName=db)["TableList"], [],
                         "a failed crawl writes nothing")

        metrics = self.glue.get_crawler_metrics(CrawlerNameList=[name])["CrawlerMetricsList"]
        self.assertEqual(len(metrics), 1)
        self.assertEqual(metrics[0]["CrawlerName"], name)
        self.assertEqual(metrics[0]["TablesCreated"], 0)
        self.assertFalse(metrics[0]["StillEstimating"])

        self.glue.update_crawler(Name=name, Description="now described")
        crawler = self.glue.get_crawler(Name=name)["Crawler"]
        self.assertEqual(crawler["Version"], 2)
        self.assertEqual(crawler["Description"], "now described")
        self.assertEqual(crawler["TablePrefix"], "org_a_")
        self.assertIn(name, self.glue.list_crawlers(Tags={"team": "a"})["CrawlerNames"])
        self.assertNotIn(name, self.glue.list_crawlers(Tags={"team": "b"})["CrawlerNames"])
        self.assertIn(name, [c["Name"] for c in self.glue.get_crawlers()["Crawlers"]])
        self.glue.delete_crawler(Name=name)
        self.assertClientError(self.glue.delete_crawler, "EntityNotFoundException", 400, Name=name)

    def test_catalog_survives_a_restart(self):
        db = self.new_database()
        self.glue.create_table(DatabaseName=db, TableInput={"Name": "kept"})
        name = f"crawler-{glue_suffix()}"
        self.glue.create_crawler(Name=name, Role="r", DatabaseName=db,
                                 Targets={"S3Targets": [{"Path": "s3://b/"}]})
        self.server.restart()
        glue = self.server.client("glue", self.a)
        self.assertEqual([t["Name"] for t in glue.get_tables(DatabaseName=db)["TableList"]], ["kept"])
        self.assertEqual(glue.get_crawler(Name=name)["Crawler"]["State"], "READY")
        type(self).glue = glue
        type(self).glue_b = self.server.client("glue", self.b)
        type(self).raw = self.server.client("glue", self.a, parameter_validation=False)

    def test_unknown_operation(self):
        self.assertClientError(self.glue.get_jobs, "UnknownOperationException", 400)


if __name__ == "__main__":
    unittest.main()
