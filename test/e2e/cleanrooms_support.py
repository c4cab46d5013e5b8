"""Helpers shared by the Clean Rooms end-to-end tests (test_cleanrooms_*.py).

An "organization" here is one account of the server that owns data for a collaboration: an S3
bucket holding one of the recipe's CSVs under data/, a Glue database and table describing it
(made with glue.create_table, which is faster than a crawl), and an IAM role that Clean Rooms
may assume to read them. Nothing in this module is a test case.
"""

import datetime
import json
import secrets
import uuid
from dataclasses import dataclass

from botocore.exceptions import ClientError

import harness

UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

# The recipe's two datasets as a crawl types them (see test_glue_crawl).
ORG_A_COLUMNS = [("customer_id", "bigint"), ("age_group", "string"), ("region", "string"),
                 ("purchase_amount", "double"), ("product_category", "string"),
                 ("registration_date", "date")]
ORG_B_COLUMNS = [("customer_id", "bigint"), ("age_group", "string"), ("region", "string"),
                 ("engagement_score", "bigint"), ("channel_preference", "string"),
                 ("last_interaction", "date")]

CLEANROOMS_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "cleanrooms.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})
GLUE_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})

# Everything Clean Rooms needs to read a Glue table over S3.
ALL_DATA_ACTIONS = ("glue:GetDatabase", "glue:GetTable", "s3:GetObject", "s3:ListBucket")


def data_access_policy(bucket, actions=ALL_DATA_ACTIONS):
    """An identity policy granting `actions`: Glue ones on every catalog resource, s3:ListBucket
    on the bucket, s3:GetObject on its objects."""
    statements = []
    glue_actions = [a for a in actions if a.startswith("glue:")]
    if glue_actions:
        statements.append({"Effect": "Allow", "Action": glue_actions, "Resource": "*"})
    if "s3:ListBucket" in actions:
        statements.append({"Effect": "Allow", "Action": ["s3:ListBucket"],
                           "Resource": f"arn:aws:s3:::{bucket}"})
    if "s3:GetObject" in actions:
        statements.append({"Effect": "Allow", "Action": ["s3:GetObject"],
                           "Resource": f"arn:aws:s3:::{bucket}/*"})
    if not statements:   # IAM refuses an empty Statement list; allow something irrelevant
        statements.append({"Effect": "Allow", "Action": ["s3:ListAllMyBuckets"],
                           "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def create_role(iam, name, bucket, actions=ALL_DATA_ACTIONS, trust=CLEANROOMS_TRUST):
    """Creates role `name` with `trust` and an inline policy granting `actions`; returns its ARN."""
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="clean-rooms-data",
                        PolicyDocument=data_access_policy(bucket, actions))
    return arn


@dataclass
class Org:
    """One data-owning account and the resources that hold its data."""
    account: harness.Account
    bucket: str
    database: str
    table: str
    columns: list
    role_arn: str

    @property
    def account_id(self):
        return self.account.account_id

    def glue_reference(self):
        return {"glue": {"tableName": self.table, "databaseName": self.database}}


def provision_org(server, account, label, csv_text, columns):
    """Bucket + CSV under data/, Glue database + table over it, and a role Clean Rooms may use."""
    suffix = secrets.token_hex(3)
    s3 = server.client("s3", account)
    glue = server.client("glue", account)
    iam = server.client("iam", account)
    bucket = f"cr-{label}-{suffix}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key=f"data/{label}.csv", Body=csv_text.encode())
    database = f"{label}_db_{suffix}"
    table = f"{label}_customers"
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(DatabaseName=database, TableInput={
        "Name": table,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in columns],
            "Location": f"s3://{bucket}/data/",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                "Parameters": {"field.delim": ","}},
        }})
    role_arn = create_role(iam, f"CleanRooms-{label}", bucket)
    return Org(account, bucket, database, table, list(columns), role_arn)


def random_id():
    """A well-formed identifier that names nothing."""
    return str(uuid.uuid4())


def error_fields(exc):
    """The parts of a Clean Rooms ClientError the tests look at."""
    r = exc.response
    return {
        "code": harness.client_error_code(exc),
        "status": harness.client_error_status(exc),
        "message": r.get("Error", {}).get("Message", ""),
        "resourceId": r.get("resourceId"),
        "resourceType": r.get("resourceType"),
        "reason": r.get("reason"),
        "fieldList": r.get("fieldList"),
    }


def call_error(fn, **kwargs):
    """Calls fn(**kwargs), which must fail with a ClientError; returns error_fields of it."""
    try:
        fn(**kwargs)
    except ClientError as e:
        return error_fields(e)
    raise AssertionError(f"{getattr(fn, '__name__', fn)}({kwargs}) succeeded; expected an error")


def anonymized(fields, ident):
    """error_fields with every occurrence of `ident` replaced, to compare two not-found errors
    for different identifiers."""
    out = dict(fields)
    for key in ("message", "resourceId"):
        if isinstance(out.get(key), str):
            out[key] = out[key].replace(ident, "<id>")
    return out


def rest_json_error_code(headers, body):
    """The error code as botocore's rest-json parser finds it (header first, then body)."""
    header = headers.get("x-amzn-errortype")
    if header:
        return header.split(":")[0].split("#")[-1]
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return None
    for key in ("code", "Code", "__type"):
        if isinstance(doc.get(key), str):
            return doc[key].split(":")[0].split("#")[-1]
    return None


def is_timestamp(value):
    return isinstance(value, datetime.datetime)


def member_by_account(members, account_id):
    found = [m for m in members if m["accountId"] == account_id]
    assert len(found) == 1, f"expected one member {account_id}, got {members}"
    return found[0]


def column_map(columns):
    return {c["name"]: c["type"] for c in columns}


def paginate_all(client, operation, page_size, **kwargs):
    """Every page of a paginated Clean Rooms List operation, with PageSize `page_size`."""
    paginator = client.get_paginator(operation)
    return list(paginator.paginate(PaginationConfig={"PageSize": page_size}, **kwargs))


def aggregation_policy(join=("customer_id",), dimensions=("age_group", "region"),
                       aggregate=("purchase_amount",), minimum=2):
    return {"v1": {"aggregation": {
        "aggregateColumns": [{"columnNames": list(aggregate), "function": "SUM"},
                             {"columnNames": list(aggregate), "function": "AVG"}],
        "joinColumns": list(join),
        "joinRequired": "QUERY_RUNNER",
        "allowedJoinOperators": ["AND"],
        "dimensionColumns": list(dimensions),
        "scalarFunctions": ["ROUND", "TRUNC"],
        "outputConstraints": [{"columnName": join[0], "minimum": minimum,
                               "type": "COUNT_DISTINCT"}],
    }}}


def list_policy(join=("customer_id",), list_columns=("age_group", "region")):
    return {"v1": {"list": {"joinColumns": list(join), "listColumns": list(list_columns)}}}


def custom_policy(providers):
    return {"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"],
                              "allowedAnalysisProviders": list(providers)}}}


def receivers_policy(rule_type, receivers):
    return {"v1": {rule_type.lower(): {"allowedResultReceivers": list(receivers)}}}
