"""Clean Rooms input validation and errors, with the real AWS CLI, boto3 and hand-signed requests.

Shown: values the AWS CLI sends without checking them (an unknown enum, an upper-case column
name) come back as ValidationException (400, reason FIELD_VALIDATION_FAILED, the field named);
a configured table must point at an existing Glue table and columns of the caller's own
account; a tagged union with two keys, sent raw, is refused; invalid analysis rules are
refused; an association's role must trust cleanrooms.amazonaws.com and grant Glue and S3 read
access, else AccessDeniedException names what is missing; deletes out of order are
ConflictException; 250 collaborations page through the CLI and boto3, each exactly once, as do
the other List operations; operations not implemented yet answer 501 NotImplementedException,
as does StartProtectedQuery (after checking the request) on a server without a query engine.
"""

import json
import math
import unittest

from harness import ServerTestCase
from cleanrooms_support import (
    ALL_DATA_ACTIONS, GLUE_TRUST, ORG_A_COLUMNS, ORG_B_COLUMNS, aggregation_policy,
    call_error, create_role, custom_policy, list_policy, paginate_all, provision_org,
    random_id, rest_json_error_code)
from test_s3_recipe import ORG_A_CSV, ORG_B_CSV

ALLOWED = ["customer_id", "age_group", "region", "purchase_amount"]


class CleanRoomsValidationBase(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        cls.x = provision_org(srv, srv.create_account(), "orgx", ORG_A_CSV, ORG_A_COLUMNS)
        cls.y = provision_org(srv, srv.create_account(), "orgy", ORG_B_CSV, ORG_B_COLUMNS)
        cls.cr = srv.client("cleanrooms", cls.x.account)
        cls.cid = cls.cr.create_collaboration(
            name="validation", description="validation tests", members=[],
            creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
            creatorDisplayName="Org X", queryLogStatus="ENABLED")["collaboration"]["id"]
        cls.mid = cls.cr.create_membership(collaborationIdentifier=cls.cid,
                                           queryLogStatus="ENABLED")["membership"]["id"]
        cls.counter = 0

    def fresh(self, prefix):
        type(self).counter += 1
        return f"{prefix}_{type(self).counter}"

    def aws(self, *args):
        return self.server.aws(self.x.account, *args, check=False)

    def configured_table(self, allowed=ALLOWED, org=None, **extra):
        org = org or self.x
        return self.cr.create_configured_table(
            name=self.fresh("ct"), tableReference=org.glue_reference(), allowedColumns=allowed,
            analysisMethod="DIRECT_QUERY", **extra)["configuredTable"]

    def associate(self, tid, role_arn=None, name=None, mid=None):
        return self.cr.create_configured_table_association(
            name=name or self.fresh("assoc"), membershipIdentifier=mid or self.mid,
            configuredTableIdentifier=tid,
            roleArn=role_arn or self.x.role_arn)["configuredTableAssociation"]

    def assertFieldError(self, fn, field, **kwargs):
        """fn(**kwargs) fails with a 400 ValidationException about `field`."""
        err = call_error(fn, **kwargs)
        self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), err)
        self.assertEqual(err["reason"], "FIELD_VALIDATION_FAILED", err)
        names = [f["name"] for f in err["fieldList"] or []]
        self.assertTrue(any(n.startswith(field) for n in names),
                        f"fieldList {err['fieldList']} does not name {field}")
        for f in err["fieldList"]:
            self.assertTrue(f["message"], err)
        self.assertTrue(err["message"], err)
        return err

    def table_ids(self):
        return [t["id"] for t in self.cr.list_configured_tables()["configuredTableSummaries"]]

    def table_names(self):
        return [t["name"] for t in self.cr.list_configured_tables()["configuredTableSummaries"]]


class FieldValidationTest(CleanRoomsValidationBase):

    def test_unchecked_values_sent_by_the_cli_are_refused(self):
        glue = f"glue={{tableName={self.x.table},databaseName={self.x.database}}}"
        cases = [
            ("analysisMethod", ["cleanrooms", "create-configured-table", "--name", "enum_case",
                                "--table-reference", glue, "--allowed-columns", "age_group",
                                "--analysis-method", "FOO"]),
            ("allowedColumns", ["cleanrooms", "create-configured-table", "--name", "column_case",
                                "--table-reference", glue, "--allowed-columns", "AgeGroup",
                                "--analysis-method", "DIRECT_QUERY"]),
            ("queryLogStatus", ["cleanrooms", "create-collaboration", "--name", "enum_case",
                                "--description", "d", "--creator-member-abilities", "CAN_QUERY",
                                "--creator-display-name", "X", "--query-log-status", "SOMETIMES",
                                "--members", "[]"]),
        ]
        for field, args in cases:
            with self.subTest(field=field):
                res = self.aws(*args)
                self.assertEqual(res.returncode, 255, res)
                self.assertIn("An error occurred (ValidationException)", res.stderr)
                self.assertIn(field, res.stderr)
        self.assertNotIn("enum_case", self.table_names())
        self.assertNotIn("column_case", self.table_names())
        self.assertEqual([c["name"] for c in self.cr.list_collaborations()["collaborationList"]],
                         ["validation"])

    def test_field_validation_through_boto3(self):
        ref = self.x.glue_reference()
        self.assertFieldError(self.cr.create_configured_table, "analysisMethod", name="e1",
                              tableReference=ref, allowedColumns=["age_group"],
                              analysisMethod="FOO")
        self.assertFieldError(self.cr.create_configured_table, "allowedColumns", name="e2",
                              tableReference=ref, allowedColumns=["age_group", "AgeGroup"],
                              analysisMethod="DIRECT_QUERY")
        self.assertFieldError(self.cr.create_collaboration, "queryLogStatus", name="e3",
                              description="d", members=[], creatorMemberAbilities=["CAN_QUERY"],
                              creatorDisplayName="X", queryLogStatus="SOMETIMES")
        self.assertFieldError(self.cr.create_collaboration, "creatorMemberAbilities", name="e4",
                              description="d", members=[], creatorMemberAbilities=["CAN_FLY"],
                              creatorDisplayName="X", queryLogStatus="ENABLED")
        self.assertFieldError(self.cr.update_membership, "queryLogStatus",
                              membershipIdentifier=self.mid, queryLogStatus="LOUD")
        for name in ("e1", "e2"):
            self.assertNotIn(name, self.table_names())

    def test_configured_table_must_name_an_own_glue_table_and_its_columns(self):
        cases = [
            (["no_such_table"], {"glue": {"tableName": "no_such_table",
                                          "databaseName": self.x.database}}, ["age_group"]),
            (["no_such_column"], self.x.glue_reference(), ["age_group", "no_such_column"]),
            # Org Y's table exists, but in Y's catalog: for X neither it nor its database does.
            ([self.y.table, self.y.database], self.y.glue_reference(), ["age_group"]),
        ]
        for missing, ref, columns in cases:
            with self.subTest(missing=missing[0]):
                err = call_error(self.cr.create_configured_table, name=self.fresh("bad"),
                                 tableReference=ref, allowedColumns=columns,
                                 analysisMethod="DIRECT_QUERY")
                self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), err)
                self.assertTrue(any(m in err["message"] for m in missing),
                                f"{err['message']!r} names none of {missing}")
        # The same through the AWS CLI.
        res = self.aws("cleanrooms", "create-configured-table", "--name", "cli_missing",
                       "--table-reference",
                       f"glue={{tableName={self.x.table},databaseName={self.x.database}}}",
                       "--allowed-columns", "age_group", "loyalty_tier",
                       "--analysis-method", "DIRECT_QUERY")
        self.assertEqual(res.returncode, 255, res)
        self.assertIn("ValidationException", res.stderr)
        self.assertIn("loyalty_tier", res.stderr)
        self.assertNotIn("cli_missing", self.table_names())
        # A correct one works: every column of the table may be allowed.
        ok = self.configured_table(allowed=[n for n, _ in ORG_A_COLUMNS])
        self.assertEqual(ok["allowedColumns"], [n for n, _ in ORG_A_COLUMNS])

    def test_a_union_with_two_keys_sent_raw_is_refused(self):
        def post(path, doc):
            body = json.dumps(doc).encode()
            return self.server.signed_request(self.x.account, "POST", path, body,
                                              {"Content-Type": "application/json"},
                                              service="cleanrooms")

        glue = {"tableName": self.x.table, "databaseName": self.x.database}
        base = {"name": "raw_union", "allowedColumns": ["age_group"],
                "analysisMethod": "DIRECT_QUERY"}
        for union in ({"glue": glue, "athena": {"workGroup": "primary",
                                                "databaseName": self.x.database,
                                                "tableName": self.x.table}},
                      {}):
            with self.subTest(keys=sorted(union)):
                status, headers, body = post("/configuredTables",
                                             dict(base, tableReference=union))
                self.assertEqual(status, 400, body)
                self.assertEqual(rest_json_error_code(headers, body), "ValidationException", body)
                self.assertTrue(json.loads(body).get("message"), body)
        self.assertNotIn("raw_union", self.table_names())

        # The same signing with a well-formed union is accepted: only the union was wrong.
        status, _, body = post("/configuredTables", dict(base, tableReference={"glue": glue}))
        self.assertEqual(status, 200, body)
        tid = json.loads(body)["configuredTable"]["id"]

        # A rule policy naming two rule kinds at once.
        two_kinds = {"v1": dict(aggregation_policy(dimensions=("age_group", "region"))["v1"],
                                **list_policy()["v1"])}
        status, headers, body = post(f"/configuredTables/{tid}/analysisRule",
                                     {"analysisRuleType": "LIST",
                                      "analysisRulePolicy": two_kinds})
        self.assertEqual(status, 400, body)
        self.assertEqual(rest_json_error_code(headers, body), "ValidationException", body)
        self.assertEqual(self.cr.get_configured_table(configuredTableIdentifier=tid)
                         ["configuredTable"]["analysisRuleTypes"], [])
        self.cr.delete_configured_table(configuredTableIdentifier=tid)

    def test_invalid_analysis_rules_are_refused(self):
        tid = self.configured_table()["id"]
        create = self.cr.create_configured_table_analysis_rule
        invalid = {
            # product_category is a column of the Glue table, but not an allowed one.
            "dimension column not allowed": ("AGGREGATION", aggregation_policy(
                dimensions=("age_group", "product_category"))),
            "join column also a dimension column": ("AGGREGATION", aggregation_policy(
                join=("customer_id",), dimensions=("customer_id", "region"))),
            "list column not allowed": ("LIST", list_policy(
                list_columns=("region", "registration_date"))),
            "custom ANY_QUERY without providers": ("CUSTOM", {"v1": {"custom": {
                "allowedAnalyses": ["ANY_QUERY"]}}}),
        }
        for what, (rule_type, policy) in invalid.items():
            with self.subTest(what):
                self.assertClientError(create, "ValidationException", 400,
                                       configuredTableIdentifier=tid, analysisRuleType=rule_type,
                                       analysisRulePolicy=policy)
        self.assertEqual(self.cr.get_configured_table(configuredTableIdentifier=tid)
                         ["configuredTable"]["analysisRuleTypes"], [])
        # Valid rules of each kind are accepted (one at a time: a table has at most one).
        for rule_type, policy in (("AGGREGATION", aggregation_policy()),
                                  ("LIST", list_policy()),
                                  ("CUSTOM", custom_policy([self.x.account_id]))):
            with self.subTest(valid=rule_type):
                create(configuredTableIdentifier=tid, analysisRuleType=rule_type,
                       analysisRulePolicy=policy)
                self.assertEqual(self.cr.get_configured_table(configuredTableIdentifier=tid)
                                 ["configuredTable"]["analysisRuleTypes"], [rule_type])
                self.assertClientError(create, "ConflictException", 409,
                                       configuredTableIdentifier=tid, analysisRuleType=rule_type,
                                       analysisRulePolicy=policy)
                self.cr.delete_configured_table_analysis_rule(configuredTableIdentifier=tid,
                                                              analysisRuleType=rule_type)


class RolePermissionTest(CleanRoomsValidationBase):

    def test_an_association_role_must_be_trusted_and_allowed(self):
        iam = self.server.client("iam", self.x.account)
        bucket = self.x.bucket

        def without(action):
            return tuple(a for a in ALL_DATA_ACTIONS if a != action)

        roles = {
            "s3:GetObject": create_role(iam, "NoGetObject", bucket, without("s3:GetObject")),
            "s3:ListBucket": create_role(iam, "NoListBucket", bucket, without("s3:ListBucket")),
            "glue:GetTable": create_role(iam, "NoGetTable", bucket, without("glue:GetTable")),
            "glue:GetDatabase": create_role(iam, "NoGetDatabase", bucket,
                                            without("glue:GetDatabase")),
            "cleanrooms.amazonaws.com": create_role(iam, "TrustsGlue", bucket,
                                                    trust=GLUE_TRUST),
        }
        tid = self.configured_table()["id"]
        for missing, role_arn in roles.items():
            with self.subTest(missing=missing):
                err = call_error(self.cr.create_configured_table_association,
                                 name=self.fresh("denied"), membershipIdentifier=self.mid,
                                 configuredTableIdentifier=tid, roleArn=role_arn)
                self.assertEqual((err["code"], err["status"]), ("AccessDeniedException", 403), err)
                self.assertIn(missing, err["message"])

        # A role allowed to read another bucket only.
        elsewhere = create_role(iam, "OtherBucket", "clean-rooms-somewhere-else")
        err = call_error(self.cr.create_configured_table_association, name=self.fresh("denied"),
                         membershipIdentifier=self.mid, configuredTableIdentifier=tid,
                         roleArn=elsewhere)
        self.assertEqual((err["code"], err["status"]), ("AccessDeniedException", 403), err)
        self.assertRegex(err["message"], r"s3:(GetObject|ListBucket)")

        # Through the AWS CLI.
        res = self.aws("cleanrooms", "create-configured-table-association", "--name", "cli_denied",
                       "--membership-identifier", self.mid, "--configured-table-identifier", tid,
                       "--role-arn", roles["s3:GetObject"])
        self.assertEqual(res.returncode, 255, res)
        self.assertIn("An error occurred (AccessDeniedException)", res.stderr)
        self.assertIn("s3:GetObject", res.stderr)

        self.assertEqual(self.cr.list_configured_table_associations(
            membershipIdentifier=self.mid)["configuredTableAssociationSummaries"], [])
        ok = self.associate(tid)
        self.assertEqual([a["id"] for a in self.cr.list_configured_table_associations(
            membershipIdentifier=self.mid)["configuredTableAssociationSummaries"]], [ok["id"]])
        self.cr.delete_configured_table_association(membershipIdentifier=self.mid,
                                                    configuredTableAssociationIdentifier=ok["id"])


class DeleteOrderTest(CleanRoomsValidationBase):

    def test_deletes_out_of_order_are_conflicts(self):
        cid = self.cr.create_collaboration(
            name="delete-order", description="d", members=[], creatorMemberAbilities=["CAN_QUERY"],
            creatorDisplayName="Org X", queryLogStatus="DISABLED")["collaboration"]["id"]
        mid = self.cr.create_membership(collaborationIdentifier=cid,
                                        queryLogStatus="DISABLED")["membership"]["id"]
        tid = self.configured_table()["id"]
        other_tid = self.configured_table()["id"]
        cta = self.associate(tid, name="orders", mid=mid)
        # The association name is taken in this collaboration.
        self.assertClientError(self.associate, "ConflictException", 409, tid=other_tid,
                               name="orders", mid=mid)
        template = self.cr.create_analysis_template(
            membershipIdentifier=mid, name="order_count", format="SQL",
            source={"text": "SELECT COUNT(DISTINCT customer_id) FROM orders"},
            schema={"referencedTables": ["orders"]})["analysisTemplate"]

        self.assertClientError(self.cr.delete_configured_table, "ConflictException", 409,
                               configuredTableIdentifier=tid)
        self.assertClientError(self.cr.delete_membership, "ConflictException", 409,
                               membershipIdentifier=mid)
        res = self.aws("cleanrooms", "delete-configured-table", "--configured-table-identifier",
                       tid)
        self.assertEqual(res.returncode, 255, res)
        self.assertIn("An error occurred (ConflictException)", res.stderr)

        self.cr.delete_configured_table_association(membershipIdentifier=mid,
                                                    configuredTableAssociationIdentifier=cta["id"])
        # The template still holds the membership.
        self.assertClientError(self.cr.delete_membership, "ConflictException", 409,
                               membershipIdentifier=mid)
        self.cr.delete_analysis_template(membershipIdentifier=mid,
                                         analysisTemplateIdentifier=template["id"])

        # In order, everything goes.
        self.cr.delete_configured_table(configuredTableIdentifier=tid)
        self.cr.delete_configured_table(configuredTableIdentifier=other_tid)
        self.cr.delete_membership(membershipIdentifier=mid)
        self.cr.delete_collaboration(collaborationIdentifier=cid)
        self.assertNotIn(tid, self.table_ids())
        self.assertClientError(self.cr.get_collaboration, "ResourceNotFoundException", 404,
                               collaborationIdentifier=cid)


class PagingTest(CleanRoomsValidationBase):
    """Listing in pages: every item exactly once, no page larger than asked for."""

    COLLABORATIONS = 250
    SMALL = 12

    def assertPaged(self, client, operation, key, page_size, expected, id_key="id", **kwargs):
        pages = paginate_all(client, operation, page_size, **kwargs)
        seen = []
        for page in pages:
            self.assertLessEqual(len(page[key]), page_size, f"{operation} page too large")
            seen += [item[id_key] for item in page[key]]
        self.assertEqual(len(seen), len(set(seen)), f"{operation} listed an item twice")
        self.assertEqual(set(seen), set(expected), operation)
        self.assertGreaterEqual(len(pages), math.ceil(len(expected) / page_size), operation)
        self.assertFalse(pages[-1].get("nextToken"), operation)
        return pages

    def test_250_collaborations_through_the_cli_and_boto3(self):
        acct = self.server.create_account()
        cr = self.server.client("cleanrooms", acct)
        ids = [cr.create_collaboration(
            name=f"page-{i:03d}", description="paging", members=[],
            creatorMemberAbilities=["CAN_QUERY"], creatorDisplayName="Pager",
            queryLogStatus="DISABLED")["collaboration"]["id"]
            for i in range(self.COLLABORATIONS)]
        self.assertEqual(len(set(ids)), self.COLLABORATIONS)

        # The CLI follows nextToken by itself, with the server's page size or a given one.
        for extra in ([], ["--page-size", "7"], ["--member-status", "INVITED"]):
            with self.subTest(cli=extra):
                out = self.server.aws_json(acct, "cleanrooms", "list-collaborations", *extra,
                                           "--query", "collaborationList[].id", "--output", "json")
                self.assertEqual(len(out), self.COLLABORATIONS)
                self.assertEqual(sorted(out), sorted(ids))

        self.assertPaged(cr, "list_collaborations", "collaborationList", 7, ids)
        self.assertPaged(cr, "list_collaborations", "collaborationList", 7, ids,
                         memberStatus="INVITED")
        self.assertEqual(cr.list_collaborations(memberStatus="ACTIVE")["collaborationList"], [])

        # By hand: maxResults is honoured and nextToken moves on.
        first = cr.list_collaborations(maxResults=7)
        self.assertEqual(len(first["collaborationList"]), 7)
        self.assertTrue(first["nextToken"])
        second = cr.list_collaborations(maxResults=7, nextToken=first["nextToken"])
        self.assertEqual(len(second["collaborationList"]), 7)
        self.assertFalse({c["id"] for c in first["collaborationList"]}
                         & {c["id"] for c in second["collaborationList"]})

    def test_every_other_list_pages(self):
        org = provision_org(self.server, self.server.create_account(), "pager", ORG_A_CSV,
                            ORG_A_COLUMNS)
        cr = self.server.client("cleanrooms", org.account)
        others = [self.server.create_account() for _ in range(4)]
        cid = cr.create_collaboration(
            name="paged", description="paging", creatorMemberAbilities=["CAN_QUERY"],
            creatorDisplayName="Pager", queryLogStatus="DISABLED",
            members=[{"accountId": o.account_id, "memberAbilities": [],
                      "displayName": f"member {i}"} for i, o in enumerate(others)])[
            "collaboration"]["id"]
        self.assertPaged(cr, "list_members", "memberSummaries", 2,
                         [org.account_id] + [o.account_id for o in others], id_key="accountId",
                         collaborationIdentifier=cid)
        mid = cr.create_membership(collaborationIdentifier=cid,
                                   queryLogStatus="DISABLED")["membership"]["id"]
        mids = [mid] + [cr.create_membership(collaborationIdentifier=cr.create_collaboration(
            name=f"joined-{i}", description="paging", members=[],
            creatorMemberAbilities=["CAN_QUERY"], creatorDisplayName="Pager",
            queryLogStatus="DISABLED")["collaboration"]["id"],
            queryLogStatus="DISABLED")["membership"]["id"] for i in range(self.SMALL - 1)]
        self.assertPaged(cr, "list_memberships", "membershipSummaries", 5, mids)

        tids, names, templates = [], [], []
        for i in range(self.SMALL):
            tids.append(cr.create_configured_table(
                name=f"paged_{i}", tableReference=org.glue_reference(), allowedColumns=ALLOWED,
                analysisMethod="DIRECT_QUERY")["configuredTable"]["id"])
        self.assertPaged(cr, "list_configured_tables", "configuredTableSummaries", 5, tids)
        ctas = []
        for i, tid in enumerate(tids):
            names.append(f"paged_table_{i}")
            ctas.append(cr.create_configured_table_association(
                name=names[-1], membershipIdentifier=mid, configuredTableIdentifier=tid,
                roleArn=org.role_arn)["configuredTableAssociation"]["id"])
            templates.append(cr.create_analysis_template(
                membershipIdentifier=mid, name=f"count_{i}", format="SQL",
                source={"text": f"SELECT COUNT(DISTINCT customer_id) FROM {names[-1]}"},
                schema={"referencedTables": [names[-1]]})["analysisTemplate"]["id"])
        self.assertPaged(cr, "list_configured_table_associations",
                         "configuredTableAssociationSummaries", 5, ctas, membershipIdentifier=mid)
        self.assertPaged(cr, "list_schemas", "schemaSummaries", 5, names, id_key="name",
                         collaborationIdentifier=cid)
        self.assertPaged(cr, "list_analysis_templates", "analysisTemplateSummaries", 5,
                         templates, membershipIdentifier=mid)
        self.assertPaged(cr, "list_collaboration_analysis_templates",
                         "collaborationAnalysisTemplateSummaries", 5, templates,
                         collaborationIdentifier=cid)


class NotImplementedTest(CleanRoomsValidationBase):

    def test_operations_not_implemented_yet_answer_501(self):
        res = self.aws("cleanrooms", "list-id-mapping-tables",
                       "--membership-identifier", self.mid)
        self.assertEqual(res.returncode, 255, res)
        self.assertIn("An error occurred (NotImplementedException) when calling the "
                      "ListIdMappingTables operation", res.stderr)

        for op, kwargs in (("list_id_mapping_tables", {"membershipIdentifier": self.mid}),
                           ("list_id_namespace_associations", {"membershipIdentifier": self.mid}),
                           ("list_protected_jobs", {"membershipIdentifier": self.mid})):
            with self.subTest(op):
                e = self.assertClientError(getattr(self.cr, op), "NotImplementedException", 501,
                                           **kwargs)
                self.assertTrue(e.response["Error"]["Message"])

        # The privacy budget operations are implemented (test_privacy_budgets): here, a
        # collaboration without a template simply has none.
        self.assertEqual(self.cr.list_privacy_budget_templates(membershipIdentifier=self.mid)[
            "privacyBudgetTemplateSummaries"], [])
        self.assertEqual(self.cr.list_privacy_budgets(
            membershipIdentifier=self.mid, privacyBudgetType="DIFFERENTIAL_PRIVACY")[
                "privacyBudgetSummaries"], [])

        # On the wire: a JSON error body with a message, the code where botocore looks for it.
        status, headers, body = self.server.signed_request(
            self.x.account, "GET", f"/memberships/{self.mid}/idmappingtables",
            service="cleanrooms")
        self.assertEqual(status, 501, body)
        self.assertIn("application/json", headers.get("content-type", ""))
        self.assertEqual(rest_json_error_code(headers, body), "NotImplementedException")
        self.assertTrue(json.loads(body).get("message"), body)
        self.server.assert_healthy()

    def test_protected_queries_name_only_collaboration_tables(self):
        """StartProtectedQuery checks the request before anything runs: a query naming a table
        that is not an association of the collaboration is a ValidationException that says how
        tables are named, and nothing is stored."""
        res = self.aws("cleanrooms", "start-protected-query", "--membership-identifier", self.mid,
                       "--type", "SQL", "--sql-parameters",
                       '{"queryString": "SELECT COUNT(*) FROM t"}', "--result-configuration",
                       '{"outputConfiguration": {"s3": {"resultFormat": "CSV", '
                       '"bucket": "results", "keyPrefix": "q/"}}}')
        self.assertEqual(res.returncode, 255, res)
        self.assertIn("An error occurred (ValidationException) when calling the "
                      "StartProtectedQuery operation", res.stderr)
        self.assertIn('"t" is not a table of this collaboration', res.stderr)
        self.assertIn("configured table association", res.stderr)
        # The request is checked first: this membership has no default result configuration.
        err = call_error(self.cr.start_protected_query, membershipIdentifier=self.mid,
                         type="SQL", sqlParameters={"queryString": "SELECT 1"})
        self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), err)
        self.assertIn("--result-configuration", err["message"])

        self.assertEqual(self.cr.list_protected_queries(membershipIdentifier=self.mid)[
            "protectedQueries"], [])
        self.assertClientError(self.cr.get_protected_query, "ResourceNotFoundException", 404,
                               membershipIdentifier=self.mid, protectedQueryIdentifier=random_id())
        self.assertClientError(self.cr.update_protected_query, "ResourceNotFoundException", 404,
                               membershipIdentifier=self.mid, protectedQueryIdentifier=random_id(),
                               targetStatus="CANCELLED")
        other = self.server.client("cleanrooms", self.y.account)
        self.assertClientError(other.list_protected_queries, "ResourceNotFoundException", 404,
                               membershipIdentifier=self.mid)

    def test_audience_model_associations_read_as_none(self):
        """Clean Rooms ML is not offered: the reads answer as for a collaboration without any
        configured audience model association, and creating one is 501."""
        cr = self.cr
        self.assertEqual(cr.list_collaboration_configured_audience_model_associations(
            collaborationIdentifier=self.cid)[
                "collaborationConfiguredAudienceModelAssociationSummaries"], [])
        self.assertEqual(cr.list_configured_audience_model_associations(
            membershipIdentifier=self.mid)["configuredAudienceModelAssociationSummaries"], [])
        self.assertClientError(cr.get_collaboration_configured_audience_model_association,
                               "ResourceNotFoundException", 404, collaborationIdentifier=self.cid,
                               configuredAudienceModelAssociationIdentifier=random_id())
        self.assertClientError(cr.get_configured_audience_model_association,
                               "ResourceNotFoundException", 404, membershipIdentifier=self.mid,
                               configuredAudienceModelAssociationIdentifier=random_id())
        # Another account learns nothing about the collaboration through these either.
        other = self.server.client("cleanrooms", self.y.account)
        self.assertClientError(other.list_collaboration_configured_audience_model_associations,
                               "ResourceNotFoundException", 404, collaborationIdentifier=self.cid)
        self.assertClientError(other.list_configured_audience_model_associations,
                               "ResourceNotFoundException", 404, membershipIdentifier=self.mid)
        self.assertClientError(
            cr.create_configured_audience_model_association, "NotImplementedException", 501,
            membershipIdentifier=self.mid,
            configuredAudienceModelArn="arn:aws:cleanrooms-ml:us-east-1:123456789012:"
                                       "configured-audience-model/abc",
            configuredAudienceModelAssociationName="m", manageResourcePolicies=True)


if __name__ == "__main__":
    unittest.main()
