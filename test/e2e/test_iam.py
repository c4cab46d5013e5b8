"""IAM roles and policies: the seed recipe's step 2 run with the real AWS CLI exactly as the
recipe writes it (trust policy files, two create-role calls, the two AWS managed policies, the
CleanRoomsS3Access customer policy), the documents read back decoded, the recipe's cleanup,
and boto3 for the error cases, account isolation and paging."""

import json
import os
import subprocess

import harness
from harness import ServerTestCase

# The recipe's step 2, verbatim (only `aws` is routed to the server under test, and the
# preparation's AWS_ACCOUNT_ID line is included because the commands use it).
RECIPE_STEP_2 = r"""
export AWS_ACCOUNT_ID=$(aws sts get-caller-identity \
    --query Account --output text)

   # Create Clean Rooms service role
   cat > clean-rooms-trust-policy.json << 'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Service": "cleanrooms.amazonaws.com"
      },
      "Action": "sts:AssumeRole"
    }
  ]
}
EOF
   
   aws iam create-role \
       --role-name CleanRoomsAnalyticsRole \
       --assume-role-policy-document file://clean-rooms-trust-policy.json
   
   # Attach required policies for Clean Rooms
   aws iam attach-role-policy \
       --role-name CleanRoomsAnalyticsRole \
       --policy-arn arn:aws:iam::aws:policy/service-role/AWSCleanRoomsService
   
   # Create custom policy for S3 access
   cat > clean-rooms-s3-policy.json << 'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject"
      ],
      "Resource": [
        "arn:aws:s3:::clean-rooms-*",
        "arn:aws:s3:::clean-rooms-*/*"
      ]
    },
    {
      "Effect": "Allow",
      "Action": [
        "glue:GetTable",
        "glue:GetTables",
        "glue:GetDatabase"
      ],
      "Resource": "*"
    }
  ]
}
EOF
   
   aws iam create-policy \
       --policy-name CleanRoomsS3Access \
       --policy-document file://clean-rooms-s3-policy.json
   
   aws iam attach-role-policy \
       --role-name CleanRoomsAnalyticsRole \
       --policy-arn arn:aws:iam::${AWS_ACCOUNT_ID}:policy/CleanRoomsS3Access
   
   # Create Glue service role
   cat > glue-trust-policy.json << 'EOF'
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Service": "glue.amazonaws.com"
      },
      "Action": "sts:AssumeRole"
    }
  ]
}
EOF
   
   aws iam create-role \
       --role-name GlueCleanRoomsRole \
       --assume-role-policy-document file://glue-trust-policy.json
   
   # Attach necessary policies
   aws iam attach-role-policy \
       --role-name GlueCleanRoomsRole \
       --policy-arn arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole
   
   aws iam attach-role-policy \
       --role-name GlueCleanRoomsRole \
       --policy-arn arn:aws:iam::${AWS_ACCOUNT_ID}:policy/CleanRoomsS3Access
   
   echo "✅ IAM roles created for Clean Rooms and Glue services"
"""

# The recipe's cleanup of the same resources, verbatim.
RECIPE_CLEANUP = r"""
export AWS_ACCOUNT_ID=$(aws sts get-caller-identity \
    --query Account --output text)

   # Delete IAM policies and roles
   aws iam detach-role-policy \
       --role-name GlueCleanRoomsRole \
       --policy-arn arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole
   
   aws iam detach-role-policy \
       --role-name GlueCleanRoomsRole \
       --policy-arn arn:aws:iam::${AWS_ACCOUNT_ID}:policy/CleanRoomsS3Access
   
   aws iam detach-role-policy \
       --role-name CleanRoomsAnalyticsRole \
       --policy-arn arn:aws:iam::aws:policy/service-role/AWSCleanRoomsService
   
   aws iam detach-role-policy \
       --role-name CleanRoomsAnalyticsRole \
       --policy-arn arn:aws:iam::${AWS_ACCOUNT_ID}:policy/CleanRoomsS3Access
   
   aws iam delete-role --role-name GlueCleanRoomsRole
   aws iam delete-role --role-name CleanRoomsAnalyticsRole
   
   aws iam delete-policy \
       --policy-arn arn:aws:iam::${AWS_ACCOUNT_ID}:policy/CleanRoomsS3Access
"""

GLUE_ARN = "arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole"
CLEAN_ROOMS_ARN = "arn:aws:iam::aws:policy/service-role/AWSCleanRoomsService"

TRUST_GLUE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
S3_READ = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                   "Resource": "arn:aws:s3:::clean-rooms-*/*"}],
}


def json_objects(text):
    """The JSON objects printed one after another by several AWS CLI commands."""
    decoder = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i] != "{":
            i += 1
        if i >= len(text):
            return out
        obj, i = decoder.raw_decode(text, i)
        out.append(obj)


class RecipeIamTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()
        cls.workdir = os.path.join(cls.tmp, "recipe")
        os.makedirs(cls.workdir)

    def aws_json(self, *args):
        return self.server.aws_json(self.acct, *args, cwd=self.workdir)

    def read_json(self, name):
        with open(os.path.join(self.workdir, name)) as f:
            return json.load(f)

    def test_recipe_step_2_then_cleanup(self):
        acct = self.acct.account_id
        res = harness.run_bash_with_aws(self.server, self.acct, RECIPE_STEP_2, self.workdir)
        self.assertIn("✅ IAM roles created for Clean Rooms and Glue services", res.stdout)
        printed = json_objects(res.stdout)
        roles = [o["Role"] for o in printed if "Role" in o]
        policies = [o["Policy"] for o in printed if "Policy" in o]
        self.assertEqual([r["RoleName"] for r in roles],
                         ["CleanRoomsAnalyticsRole", "GlueCleanRoomsRole"])
        for role in roles:
            self.assertEqual(role["Arn"], f"arn:aws:iam::{acct}:role/{role['RoleName']}")
            self.assertRegex(role["RoleId"], r"^AROA[A-Z2-7]{17}$")
            self.assertEqual(role["Path"], "/")
            self.assertRegex(role["CreateDate"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(len(policies), 1)
        self.assertEqual(policies[0]["PolicyName"], "CleanRoomsS3Access")
        self.assertEqual(policies[0]["Arn"], f"arn:aws:iam::{acct}:policy/CleanRoomsS3Access")
        self.assertRegex(policies[0]["PolicyId"], r"^ANPA[A-Z2-7]{17}$")
        self.assertEqual(policies[0]["DefaultVersionId"], "v1")
        self.assertIs(policies[0]["IsAttachable"], True)

        # get-role: the trust policy comes back decoded to the JSON of the recipe's file.
        for role, trust_file in (("CleanRoomsAnalyticsRole", "clean-rooms-trust-policy.json"),
                                 ("GlueCleanRoomsRole", "glue-trust-policy.json")):
            got = self.aws_json("iam", "get-role", "--role-name", role)["Role"]
            self.assertEqual(got["AssumeRolePolicyDocument"], self.read_json(trust_file))
            self.assertEqual(got["MaxSessionDuration"], 3600)

        # list-attached-role-policies: both roles carry what the recipe attached.
        customer_arn = f"arn:aws:iam::{acct}:policy/CleanRoomsS3Access"
        attached = self.aws_json("iam", "list-attached-role-policies", "--role-name",
                                 "CleanRoomsAnalyticsRole")["AttachedPolicies"]
        self.assertEqual(sorted((p["PolicyName"], p["PolicyArn"]) for p in attached),
                         [("AWSCleanRoomsService", CLEAN_ROOMS_ARN),
                          ("CleanRoomsS3Access", customer_arn)])
        attached = self.aws_json("iam", "list-attached-role-policies", "--role-name",
                                 "GlueCleanRoomsRole")["AttachedPolicies"]
        self.assertEqual(sorted(p["PolicyArn"] for p in attached), sorted([GLUE_ARN, customer_arn]))

        # get-policy / get-policy-version: the stored document, decoded.
        policy = self.aws_json("iam", "get-policy", "--policy-arn", customer_arn)["Policy"]
        self.assertEqual(policy["AttachmentCount"], 2)
        version = self.aws_json("iam", "get-policy-version", "--policy-arn", customer_arn,
                                "--version-id", "v1")["PolicyVersion"]
        self.assertEqual(version["Document"], self.read_json("clean-rooms-s3-policy.json"))
        self.assertIs(version["IsDefaultVersion"], True)
        aws_version = self.aws_json("iam", "get-policy-version", "--policy-arn", GLUE_ARN,
                                    "--version-id", "v1")["PolicyVersion"]
        self.assertIn("glue:*", aws_version["Document"]["Statement"][0]["Action"])

        # The CLI's --query works on the decoded document.
        res = self.server.aws(self.acct, "iam", "get-role", "--role-name", "GlueCleanRoomsRole",
                              "--query",
                              "Role.AssumeRolePolicyDocument.Statement[0].Principal.Service",
                              "--output", "text")
        self.assertEqual(res.stdout.strip(), "glue.amazonaws.com")

        # The recipe's cleanup removes everything it created.
        harness.run_bash_with_aws(self.server, self.acct, RECIPE_CLEANUP, self.workdir)
        roles = self.aws_json("iam", "list-roles")["Roles"]
        self.assertEqual(roles, [])
        local = self.aws_json("iam", "list-policies", "--scope", "Local")["Policies"]
        self.assertEqual(local, [])
        res = self.server.aws(self.acct, "iam", "get-role", "--role-name", "GlueCleanRoomsRole",
                              check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("NoSuchEntity", res.stderr)

    def test_aws_managed_policies_are_listed(self):
        out = self.aws_json("iam", "list-policies", "--scope", "AWS")["Policies"]
        self.assertEqual({p["Arn"] for p in out}, {GLUE_ARN, CLEAN_ROOMS_ARN})
        for p in out:
            self.assertEqual(p["Path"], "/service-role/")
            self.assertTrue(p["IsAttachable"])


class IamBoto3Test(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()
        cls.other = cls.server.create_account()
        cls.iam = cls.server.client("iam", cls.acct)
        cls.other_iam = cls.server.client("iam", cls.other)

    def create_role(self, client, name, **kw):
        return client.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_GLUE),
                                  **kw)["Role"]

    def create_policy(self, client, name, document=S3_READ, **kw):
        return client.create_policy(PolicyName=name, PolicyDocument=json.dumps(document),
                                    **kw)["Policy"]

    def test_round_trip_and_decoding(self):
        role = self.create_role(self.iam, "RoundTrip", Path="/team/", Description="d",
                                MaxSessionDuration=7200, Tags=[{"Key": "k", "Value": "v"}])
        self.assertEqual(role["Arn"], f"arn:aws:iam::{self.acct.account_id}:role/team/RoundTrip")
        got = self.iam.get_role(RoleName="roundtrip")["Role"]
        self.assertEqual(got["RoleName"], "RoundTrip")
        self.assertEqual(got["AssumeRolePolicyDocument"], TRUST_GLUE)
        self.assertEqual(got["Description"], "d")
        self.assertEqual(got["MaxSessionDuration"], 7200)
        self.assertEqual(got["Tags"], [{"Key": "k", "Value": "v"}])
        self.assertEqual(got["CreateDate"], role["CreateDate"])
        self.assertEqual(got["CreateDate"].tzinfo.utcoffset(None).total_seconds(), 0)

        # Inline policies: put, get (decoded), list, delete.
        self.iam.put_role_policy(RoleName="RoundTrip", PolicyName="Inline",
                                 PolicyDocument=json.dumps(S3_READ))
        inline = self.iam.get_role_policy(RoleName="RoundTrip", PolicyName="Inline")
        self.assertEqual(inline["PolicyDocument"], S3_READ)
        self.assertEqual(self.iam.list_role_policies(RoleName="RoundTrip")["PolicyNames"],
                         ["Inline"])
        self.assertClientError(self.iam.delete_role, "DeleteConflict", 409, RoleName="RoundTrip")
        self.iam.delete_role_policy(RoleName="RoundTrip", PolicyName="Inline")
        self.assertClientError(self.iam.get_role_policy, "NoSuchEntity", 404,
                               RoleName="RoundTrip", PolicyName="Inline")
        self.iam.delete_role(RoleName="RoundTrip")
        self.assertClientError(self.iam.get_role, "NoSuchEntity", 404, RoleName="RoundTrip")

    def test_delete_conflicts(self):
        self.create_role(self.iam, "Conflicted")
        policy = self.create_policy(self.iam, "ConflictedPolicy")
        self.iam.attach_role_policy(RoleName="Conflicted", PolicyArn=policy["Arn"])
        err = self.assertClientError(self.iam.delete_role, "DeleteConflict", 409,
                                     RoleName="Conflicted")
        self.assertIn("must detach all policies first", err.response["Error"]["Message"])
        self.assertClientError(self.iam.delete_policy, "DeleteConflict", 409,
                               PolicyArn=policy["Arn"])
        self.iam.detach_role_policy(RoleName="Conflicted", PolicyArn=policy["Arn"])
        self.assertClientError(self.iam.detach_role_policy, "NoSuchEntity", 404,
                               RoleName="Conflicted", PolicyArn=policy["Arn"])
        self.iam.delete_policy(PolicyArn=policy["Arn"])
        self.iam.delete_role(RoleName="Conflicted")

    def test_no_such_entity(self):
        acct = self.acct.account_id
        self.assertClientError(self.iam.get_role, "NoSuchEntity", 404, RoleName="Missing")
        self.assertClientError(self.iam.delete_role, "NoSuchEntity", 404, RoleName="Missing")
        self.assertClientError(self.iam.get_policy, "NoSuchEntity", 404,
                               PolicyArn=f"arn:aws:iam::{acct}:policy/Missing")
        self.assertClientError(self.iam.attach_role_policy, "NoSuchEntity", 404,
                               RoleName="Missing", PolicyArn=GLUE_ARN)
        self.assertClientError(self.iam.list_attached_role_policies, "NoSuchEntity", 404,
                               RoleName="Missing")
        self.assertClientError(self.iam.get_policy_version, "NoSuchEntity", 404,
                               PolicyArn=GLUE_ARN, VersionId="v2")

    def test_entity_already_exists_case_insensitively(self):
        self.create_role(self.iam, "Duplicate")
        err = self.assertClientError(self.create_role, "EntityAlreadyExists", 409, self.iam,
                                     "DUPLICATE")
        self.assertIn("Role with name DUPLICATE already exists.", err.response["Error"]["Message"])
        self.create_policy(self.iam, "DupPolicy")
        self.assertClientError(self.create_policy, "EntityAlreadyExists", 409, self.iam,
                               "duppolicy", Path="/elsewhere/")

    def test_malformed_policy_documents(self):
        cases = [
            ("not json", "{\"Version\": ", "Syntax errors in policy."),
            ("no actions", {"Version": "2012-10-17",
                            "Statement": [{"Effect": "Allow", "Resource": "*"}]},
             "Policy statement must contain actions."),
            ("bad version", {"Version": "2012-10-18",
                             "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
             "The policy failed legacy parsing"),
            ("principal", {"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
                                          "Resource": "*"}]},
             "Policy document should not specify a principal."),
            ("condition operator", {"Version": "2012-10-17",
                                    "Statement": [{"Effect": "Allow", "Action": "s3:*",
                                                   "Resource": "*", "Condition": {
                                                       "StringEqualz": {"aws:SourceAccount": "1"}}}]},
             "Condition operator \"StringEqualz\""),
        ]
        for name, doc, message in cases:
            with self.subTest(name):
                text = doc if isinstance(doc, str) else json.dumps(doc)
                err = self.assertClientError(self.iam.create_policy, "MalformedPolicyDocument",
                                             400, PolicyName="Malformed", PolicyDocument=text)
                self.assertIn(message, err.response["Error"]["Message"])
        trust_with_resource = dict(TRUST_GLUE)
        trust_with_resource["Statement"] = [dict(TRUST_GLUE["Statement"][0], Resource="*")]
        err = self.assertClientError(self.iam.create_role, "MalformedPolicyDocument", 400,
                                     RoleName="BadTrust",
                                     AssumeRolePolicyDocument=json.dumps(trust_with_resource))
        self.assertIn("Has prohibited field Resource", err.response["Error"]["Message"])
        self.assertClientError(self.iam.get_role, "NoSuchEntity", 404, RoleName="BadTrust")

    def test_validation_errors(self):
        err = self.assertClientError(self.create_role, "ValidationError", 400, self.iam,
                                     "bad name!")
        self.assertIn("Value 'bad name!' at 'roleName' failed to satisfy constraint: Member must "
                      "satisfy regular expression pattern", err.response["Error"]["Message"])
        self.assertClientError(self.create_role, "ValidationError", 400, self.iam, "r" * 65)
        self.assertClientError(self.create_role, "ValidationError", 400, self.iam, "PathBad",
                               Path="no-slash")

    def test_another_account_can_neither_see_nor_change(self):
        role = self.create_role(self.iam, "Isolated")
        policy = self.create_policy(self.iam, "IsolatedPolicy")
        self.iam.attach_role_policy(RoleName="Isolated", PolicyArn=policy["Arn"])
        other = self.other_iam
        self.assertClientError(other.get_role, "NoSuchEntity", 404, RoleName="Isolated")
        self.assertNotIn(role["Arn"], [r["Arn"] for r in other.list_roles()["Roles"]])
        self.assertClientError(other.get_policy, "NoSuchEntity", 404, PolicyArn=policy["Arn"])
        self.assertClientError(other.get_policy_version, "NoSuchEntity", 404,
                               PolicyArn=policy["Arn"], VersionId="v1")
        self.assertNotIn(policy["Arn"], [p["Arn"] for p in
                                         other.list_policies(Scope="Local")["Policies"]])
        self.assertClientError(other.delete_policy, "NoSuchEntity", 404, PolicyArn=policy["Arn"])
        self.assertClientError(other.delete_role, "NoSuchEntity", 404, RoleName="Isolated")
        self.assertClientError(other.detach_role_policy, "NoSuchEntity", 404,
                               RoleName="Isolated", PolicyArn=policy["Arn"])
        # Even with a role of its own, the other account cannot attach this account's policy.
        self.create_role(other, "OtherRole")
        self.assertClientError(other.attach_role_policy, "NoSuchEntity", 404,
                               RoleName="OtherRole", PolicyArn=policy["Arn"])
        # AWS managed policies are shared, but read-only.
        other.attach_role_policy(RoleName="OtherRole", PolicyArn=GLUE_ARN)
        self.assertClientError(other.delete_policy, "AccessDenied", 403, PolicyArn=GLUE_ARN)
        # Nothing of this account changed.
        self.assertEqual(self.iam.get_policy(PolicyArn=policy["Arn"])["Policy"]["AttachmentCount"], 1)
        self.assertEqual(self.iam.get_policy(PolicyArn=GLUE_ARN)["Policy"]["AttachmentCount"], 0)
        self.assertEqual(other.get_policy(PolicyArn=GLUE_ARN)["Policy"]["AttachmentCount"], 1)

    def test_paging_with_max_items_and_marker(self):
        names = [f"Paged{i:02d}" for i in range(7)]
        for name in names:
            self.create_role(self.iam, name, Path="/paging/")
        seen, marker, pages = [], None, 0
        while True:
            kw = {"PathPrefix": "/paging/", "MaxItems": 3}
            if marker:
                kw["Marker"] = marker
            out = self.iam.list_roles(**kw)
            pages += 1
            seen += [r["RoleName"] for r in out["Roles"]]
            self.assertLessEqual(len(out["Roles"]), 3)
            if not out["IsTruncated"]:
                self.assertNotIn("Marker", out)
                break
            marker = out["Marker"]
        self.assertEqual(pages, 3)
        self.assertEqual(seen, names)
        # boto3's paginator drives the same Marker/IsTruncated protocol.
        paginator = self.iam.get_paginator("list_roles")
        paged = [r["RoleName"] for page in
                 paginator.paginate(PathPrefix="/paging/", PaginationConfig={"PageSize": 2})
                 for r in page["Roles"]]
        self.assertEqual(paged, names)
        # ... and so does the AWS CLI's --max-items / --starting-token.
        first = self.server.aws_json(self.acct, "iam", "list-roles", "--path-prefix", "/paging/",
                                     "--max-items", "4")
        self.assertEqual([r["RoleName"] for r in first["Roles"]], names[:4])
        rest = self.server.aws_json(self.acct, "iam", "list-roles", "--path-prefix", "/paging/",
                                    "--starting-token", first["NextToken"])
        self.assertEqual([r["RoleName"] for r in rest["Roles"]], names[4:])

    def test_list_policies_paging_and_filters(self):
        for i in range(3):
            self.create_policy(self.iam, f"ListMe{i}", Path="/listing/")
        out = self.iam.list_policies(Scope="Local", PathPrefix="/listing/", MaxItems=2)
        self.assertTrue(out["IsTruncated"])
        rest = self.iam.list_policies(Scope="Local", PathPrefix="/listing/", Marker=out["Marker"])
        self.assertFalse(rest["IsTruncated"])
        self.assertEqual([p["PolicyName"] for p in out["Policies"] + rest["Policies"]],
                         ["ListMe0", "ListMe1", "ListMe2"])
        self.assertEqual(self.iam.list_policies(Scope="Local", PathPrefix="/listing/",
                                                OnlyAttached=True)["Policies"], [])
        self.assertClientError(self.iam.list_policies, "ValidationError", 400, Scope="Everything")

    def test_survives_restart(self):
        self.create_role(self.iam, "Durable")
        self.iam.attach_role_policy(RoleName="Durable", PolicyArn=CLEAN_ROOMS_ARN)
        self.server.restart()
        iam = self.server.client("iam", self.acct)
        self.assertEqual(iam.get_role(RoleName="Durable")["Role"]["AssumeRolePolicyDocument"],
                         TRUST_GLUE)
        self.assertEqual([p["PolicyArn"] for p in
                          iam.list_attached_role_policies(RoleName="Durable")["AttachedPolicies"]],
                         [CLEAN_ROOMS_ARN])
        type(self).iam = iam
        type(self).other_iam = self.server.client("iam", self.other)
