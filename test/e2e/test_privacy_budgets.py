"""Differential privacy budgets with the real AWS CLI and boto3, across four accounts: analyst Q
creates each collaboration (it can query and receive results), organizations A and B contribute
data, D is an outsider.

Shown: a data contributor creates, reads, updates and deletes the collaboration's privacy budget
template (the CLI and boto3), with tags; the querier cannot create it; a second template is a
ConflictException; epsilon, usersNoisePerQuery and autoRefresh out of range, and access budgets,
are ValidationExceptions; PreviewPrivacyImpact gives the maxCount that ListPrivacyBudgets then
reports, scaling by 4 when usersNoisePerQuery doubles (up to rounding), and changes nothing; the
members see the template and the budget, the outsider gets the same 404 as for an identifier that
names nothing; a table's differential privacy column must be one of its allowed columns and the
same across the collaboration, and the member who receives results cannot turn it on.
"""

import json
import unittest

from harness import ServerTestCase
from cleanrooms_support import (
    ORG_A_COLUMNS, ORG_B_COLUMNS, UUID_RE, anonymized, call_error, is_timestamp, provision_org,
    random_id)
from test_s3_recipe import ORG_A_CSV, ORG_B_CSV

ARN = "arn:aws:cleanrooms:us-east-1"
TYPES = ["AVG", "COUNT", "COUNT_DISTINCT", "SUM", "STDDEV"]
COST = {"AVG": 2, "COUNT": 1, "COUNT_DISTINCT": 1, "SUM": 1, "STDDEV": 3}
ALLOWED = ["customer_id", "age_group", "region"]


def dp_parameters(epsilon, noise):
    return {"differentialPrivacy": {"epsilon": epsilon, "usersNoisePerQuery": noise}}


class PrivacyBudgetsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        cls.q = provision_org(srv, srv.create_account(), "analyst", ORG_A_CSV, ORG_A_COLUMNS)
        cls.a = provision_org(srv, srv.create_account(), "orga", ORG_A_CSV, ORG_A_COLUMNS)
        cls.b = provision_org(srv, srv.create_account(), "orgb", ORG_B_CSV, ORG_B_COLUMNS)
        cls.d_acct = srv.create_account()
        cls.cr_q = srv.client("cleanrooms", cls.q.account)
        cls.cr_a = srv.client("cleanrooms", cls.a.account)
        cls.cr_b = srv.client("cleanrooms", cls.b.account)
        cls.cr_d = srv.client("cleanrooms", cls.d_acct)
        # Without client-side checks, so that values below the model's minimums reach the server.
        cls.cr_a_raw = srv.client("cleanrooms", cls.a.account, parameter_validation=False)
        cls.Q, cls.A, cls.B = cls.q.account_id, cls.a.account_id, cls.b.account_id
        cls.counter = 0

    def fresh(self, prefix):
        type(self).counter += 1
        return f"{prefix}_{type(self).counter}"

    # ----- building blocks -------------------------------------------------------------------

    def collaboration(self):
        """A collaboration Q, A and B have joined; returns (id, {account id: membership id})."""
        cid = self.cr_q.create_collaboration(
            name=self.fresh("dp"), description="differential privacy",
            creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
            creatorDisplayName="Analyst Q", queryLogStatus="DISABLED",
            members=[{"accountId": self.A, "memberAbilities": [], "displayName": "Org A"},
                     {"accountId": self.B, "memberAbilities": [], "displayName": "Org B"}],
        )["collaboration"]["id"]
        mids = {acct: cr.create_membership(collaborationIdentifier=cid,
                                           queryLogStatus="DISABLED")["membership"]["id"]
                for acct, cr in ((self.Q, self.cr_q), (self.A, self.cr_a), (self.B, self.cr_b))}
        return cid, mids

    def aws(self, account, *args, check=True):
        return self.server.aws(account, "cleanrooms", *args, check=check)

    def create_template(self, cr, mid, epsilon=2, noise=10, **extra):
        return cr.create_privacy_budget_template(
            membershipIdentifier=mid, privacyBudgetType="DIFFERENTIAL_PRIVACY",
            parameters=dp_parameters(epsilon, noise), **extra)["privacyBudgetTemplate"]

    def preview(self, cr, mid, epsilon, noise):
        out = cr.preview_privacy_impact(membershipIdentifier=mid,
                                        parameters=dp_parameters(epsilon, noise))
        return {a["type"]: a["maxCount"]
                for a in out["privacyImpact"]["differentialPrivacy"]["aggregations"]}

    @staticmethod
    def counts(summary):
        return {a["type"]: (a["maxCount"], a["remainingCount"])
                for a in summary["budget"]["differentialPrivacy"]["aggregations"]}

    def custom_policy(self, dp_column=None):
        custom = {"allowedAnalyses": ["ANY_QUERY"], "allowedAnalysisProviders": [self.Q]}
        if dp_column:
            custom["differentialPrivacy"] = {"columns": [{"name": dp_column}]}
        return {"v1": {"custom": custom}}

    def dp_table(self, org, cr, dp_column, allowed=ALLOWED):
        """A configured table of `org` with a CUSTOM rule, differential privacy on `dp_column`."""
        tid = cr.create_configured_table(
            name=self.fresh("ct"), tableReference=org.glue_reference(), allowedColumns=allowed,
            analysisMethod="DIRECT_QUERY")["configuredTable"]["id"]
        cr.create_configured_table_analysis_rule(
            configuredTableIdentifier=tid, analysisRuleType="CUSTOM",
            analysisRulePolicy=self.custom_policy(dp_column))
        return tid

    def associate(self, org, cr, mid, tid, name=None):
        return cr.create_configured_table_association(
            name=name or self.fresh("t"), membershipIdentifier=mid, configuredTableIdentifier=tid,
            roleArn=org.role_arn)["configuredTableAssociation"]

    def assertValidation(self, err, field=None, message=None):
        self.assertEqual((err["code"], err["status"]), ("ValidationException", 400), err)
        self.assertEqual(err["reason"], "FIELD_VALIDATION_FAILED", err)
        if field:
            names = [f["name"] for f in err["fieldList"] or []]
            self.assertTrue(any(field in n for n in names), err)
        if message:
            self.assertIn(message, err["message"])

    # ----- tests -------------------------------------------------------------------------------

    def test_template_lifecycle_with_the_cli_and_boto3(self):
        cid, mids = self.collaboration()
        mid = mids[self.A]
        created = json.loads(self.aws(
            self.a.account, "create-privacy-budget-template", "--membership-identifier", mid,
            "--privacy-budget-type", "DIFFERENTIAL_PRIVACY", "--auto-refresh", "CALENDAR_MONTH",
            "--parameters", json.dumps(dp_parameters(3, 20)), "--tags", "team=dp").stdout)
        t = created["privacyBudgetTemplate"]
        self.assertRegex(t["id"], UUID_RE)
        self.assertEqual(t["arn"], f"{ARN}:{self.A}:privacybudgettemplate/{t['id']}")
        self.assertEqual((t["membershipId"], t["membershipArn"]),
                         (mid, f"{ARN}:{self.A}:membership/{mid}"))
        self.assertEqual((t["collaborationId"], t["collaborationArn"]),
                         (cid, f"{ARN}:{self.Q}:collaboration/{cid}"))
        self.assertEqual((t["privacyBudgetType"], t["autoRefresh"], t["parameters"]),
                         ("DIFFERENTIAL_PRIVACY", "CALENDAR_MONTH", dp_parameters(3, 20)))

        got = self.cr_a.get_privacy_budget_template(
            membershipIdentifier=mid, privacyBudgetTemplateIdentifier=t["id"])
        self.assertTrue(is_timestamp(got["privacyBudgetTemplate"]["createTime"]))
        self.assertEqual(got["privacyBudgetTemplate"]["parameters"], dp_parameters(3, 20))
        listed = json.loads(self.aws(self.a.account, "list-privacy-budget-templates",
                                     "--membership-identifier", mid).stdout)
        self.assertEqual([s["id"] for s in listed["privacyBudgetTemplateSummaries"]], [t["id"]])
        self.assertEqual(self.cr_a.list_tags_for_resource(resourceArn=t["arn"])["tags"],
                         {"team": "dp"})

        updated = self.cr_a.update_privacy_budget_template(
            membershipIdentifier=mid, privacyBudgetTemplateIdentifier=t["id"],
            privacyBudgetType="DIFFERENTIAL_PRIVACY",
            parameters={"differentialPrivacy": {"usersNoisePerQuery": 40}})["privacyBudgetTemplate"]
        self.assertEqual(updated["parameters"], dp_parameters(3, 40))
        self.assertEqual(updated["autoRefresh"], "CALENDAR_MONTH")

        res = self.aws(self.a.account, "delete-privacy-budget-template", "--membership-identifier",
                       mid, "--privacy-budget-template-identifier", t["id"])
        self.assertEqual(res.stdout.strip(), "")
        self.assertClientError(self.cr_a.get_privacy_budget_template, "ResourceNotFoundException",
                               404, membershipIdentifier=mid,
                               privacyBudgetTemplateIdentifier=t["id"])
        self.assertEqual(self.cr_q.list_collaboration_privacy_budget_templates(
            collaborationIdentifier=cid)["collaborationPrivacyBudgetTemplateSummaries"], [])
        # The collaboration can have one again.
        again = self.create_template(self.cr_b, mids[self.B])
        self.assertNotEqual(again["id"], t["id"])
        self.assertEqual(again["autoRefresh"], "NONE")

    def test_only_one_template_and_only_from_a_data_contributor(self):
        cid, mids = self.collaboration()
        err = call_error(self.cr_q.create_privacy_budget_template, membershipIdentifier=mids[self.Q],
                         privacyBudgetType="DIFFERENTIAL_PRIVACY", parameters=dp_parameters(2, 10))
        self.assertEqual((err["code"], err["status"]), ("AccessDeniedException", 403), err)
        self.assertIn("CAN_QUERY", err["message"])

        t = self.create_template(self.cr_a, mids[self.A])
        for cr, acct in ((self.cr_a, self.A), (self.cr_b, self.B)):
            err = call_error(cr.create_privacy_budget_template, membershipIdentifier=mids[acct],
                             privacyBudgetType="DIFFERENTIAL_PRIVACY",
                             parameters=dp_parameters(5, 50))
            self.assertEqual((err["code"], err["status"], err["reason"]),
                             ("ConflictException", 409, "ALREADY_EXISTS"), err)
            self.assertIn(t["id"], err["message"])
        res = self.aws(self.b.account, "create-privacy-budget-template", "--membership-identifier",
                       mids[self.B], "--privacy-budget-type", "DIFFERENTIAL_PRIVACY",
                       "--parameters", json.dumps(dp_parameters(5, 50)), check=False)
        self.assertEqual(res.returncode, 255, res)
        self.assertIn("An error occurred (ConflictException) when calling the "
                      "CreatePrivacyBudgetTemplate operation", res.stderr)

    def test_ranges_and_types_are_validation_exceptions(self):
        cid, mids = self.collaboration()
        mid = mids[self.A]
        # The AWS CLI checks minimums itself but not maximums: those reach the server.
        for epsilon, noise, field in ((21, 10, "epsilon"), (5, 101, "usersNoisePerQuery")):
            res = self.aws(self.a.account, "create-privacy-budget-template",
                           "--membership-identifier", mid, "--privacy-budget-type",
                           "DIFFERENTIAL_PRIVACY", "--parameters",
                           json.dumps(dp_parameters(epsilon, noise)), check=False)
            self.assertEqual(res.returncode, 255, res)
            self.assertIn("An error occurred (ValidationException) when calling the "
                          "CreatePrivacyBudgetTemplate operation", res.stderr)
            self.assertIn(field, res.stderr)
        for epsilon, noise, field in ((0, 10, "epsilon"), (21, 10, "epsilon"),
                                      (5, 9, "usersNoisePerQuery"),
                                      (5, 101, "usersNoisePerQuery")):
            with self.subTest(epsilon=epsilon, noise=noise):
                err = call_error(self.cr_a_raw.create_privacy_budget_template,
                                 membershipIdentifier=mid, privacyBudgetType="DIFFERENTIAL_PRIVACY",
                                 parameters=dp_parameters(epsilon, noise))
                self.assertValidation(err, f"parameters.differentialPrivacy.{field}")
                err = call_error(self.cr_a_raw.preview_privacy_impact, membershipIdentifier=mid,
                                 parameters=dp_parameters(epsilon, noise))
                self.assertValidation(err, f"parameters.differentialPrivacy.{field}")
        err = call_error(self.cr_a_raw.create_privacy_budget_template, membershipIdentifier=mid,
                         privacyBudgetType="DIFFERENTIAL_PRIVACY", autoRefresh="WEEKLY",
                         parameters=dp_parameters(2, 10))
        self.assertValidation(err, "autoRefresh")
        err = call_error(self.cr_a.create_privacy_budget_template, membershipIdentifier=mid,
                         privacyBudgetType="ACCESS_BUDGET", parameters=dp_parameters(2, 10))
        self.assertValidation(err, "privacyBudgetType", "not offered")
        self.assertEqual(self.cr_a.list_privacy_budget_templates(membershipIdentifier=mid)[
            "privacyBudgetTemplateSummaries"], [])

        t = self.create_template(self.cr_a, mid)
        err = call_error(self.cr_a_raw.update_privacy_budget_template, membershipIdentifier=mid,
                         privacyBudgetTemplateIdentifier=t["id"],
                         privacyBudgetType="DIFFERENTIAL_PRIVACY",
                         parameters={"differentialPrivacy": {"epsilon": 30}})
        self.assertValidation(err, "parameters.differentialPrivacy.epsilon")
        err = call_error(self.cr_q.list_privacy_budgets, membershipIdentifier=mids[self.Q],
                         privacyBudgetType="ACCESS_BUDGET")
        self.assertValidation(err, "privacyBudgetType", "not offered")
        self.assertEqual(self.cr_a.get_privacy_budget_template(
            membershipIdentifier=mid, privacyBudgetTemplateIdentifier=t["id"])[
                "privacyBudgetTemplate"]["parameters"], dp_parameters(2, 10))

    def test_preview_matches_the_budget_and_scales_with_the_noise(self):
        cid, mids = self.collaboration()
        res = json.loads(self.aws(self.q.account, "preview-privacy-impact",
                                  "--membership-identifier", mids[self.Q], "--parameters",
                                  json.dumps(dp_parameters(4, 25))).stdout)
        aggregations = res["privacyImpact"]["differentialPrivacy"]["aggregations"]
        self.assertEqual([a["type"] for a in aggregations], TYPES)
        preview = {a["type"]: a["maxCount"] for a in aggregations}
        for t in TYPES:
            self.assertEqual(preview[t], preview["COUNT"] // COST[t], preview)

        # Doubling the noise multiplies the counts by 4, up to rounding; epsilon raises them.
        for noise in (10, 20, 40):
            small = self.preview(self.cr_q, mids[self.Q], 4, noise)["COUNT"]
            large = self.preview(self.cr_q, mids[self.Q], 4, 2 * noise)["COUNT"]
            self.assertGreaterEqual(large, 4 * small, (noise, small, large))
            self.assertLessEqual(large, 4 * small + 3, (noise, small, large))
        self.assertLess(self.preview(self.cr_q, mids[self.Q], 1, 50)["COUNT"],
                        self.preview(self.cr_q, mids[self.Q], 2, 50)["COUNT"])

        # No template yet: no budget. Then the budget has the previewed counts, all remaining,
        # for every member, in both views; a preview changes nothing.
        self.assertEqual(self.cr_q.list_privacy_budgets(
            membershipIdentifier=mids[self.Q], privacyBudgetType="DIFFERENTIAL_PRIVACY")[
                "privacyBudgetSummaries"], [])
        t = self.create_template(self.cr_a, mids[self.A], epsilon=4, noise=25)
        self.preview(self.cr_b, mids[self.B], 20, 100)
        expected = {k: (v, v) for k, v in preview.items()}
        for acct, cr in ((self.Q, self.cr_q), (self.A, self.cr_a), (self.B, self.cr_b)):
            summaries = cr.list_privacy_budgets(membershipIdentifier=mids[acct],
                                                privacyBudgetType="DIFFERENTIAL_PRIVACY")[
                "privacyBudgetSummaries"]
            self.assertEqual(len(summaries), 1)
            s = summaries[0]
            self.assertEqual((s["privacyBudgetTemplateId"], s["privacyBudgetTemplateArn"]),
                             (t["id"], t["arn"]))
            self.assertRegex(s["id"], UUID_RE)
            self.assertEqual((s["type"], s["membershipId"], s["collaborationId"]),
                             ("DIFFERENTIAL_PRIVACY", mids[self.A], cid))
            self.assertEqual(s["budget"]["differentialPrivacy"]["epsilon"], 4)
            self.assertEqual(self.counts(s), expected)
        res = json.loads(self.aws(self.q.account, "list-collaboration-privacy-budgets",
                                  "--collaboration-identifier", cid, "--privacy-budget-type",
                                  "DIFFERENTIAL_PRIVACY").stdout)
        s = res["collaborationPrivacyBudgetSummaries"][0]
        self.assertEqual(s["creatorAccountId"], self.A)
        self.assertEqual(self.counts(s), expected)

        # A new epsilon is previewed and then reported the same way.
        self.cr_a.update_privacy_budget_template(
            membershipIdentifier=mids[self.A], privacyBudgetTemplateIdentifier=t["id"],
            privacyBudgetType="DIFFERENTIAL_PRIVACY",
            parameters={"differentialPrivacy": {"epsilon": 9}})
        new = self.preview(self.cr_q, mids[self.Q], 9, 25)
        s = self.cr_q.list_collaboration_privacy_budgets(
            collaborationIdentifier=cid, privacyBudgetType="DIFFERENTIAL_PRIVACY")[
                "collaborationPrivacyBudgetSummaries"][0]
        self.assertEqual(self.counts(s), {k: (v, v) for k, v in new.items()})

    def test_who_sees_templates_and_budgets(self):
        cid, mids = self.collaboration()
        t = self.create_template(self.cr_a, mids[self.A])
        # Members see the template through the collaboration; only A through its membership.
        for cr in (self.cr_q, self.cr_a, self.cr_b):
            got = cr.get_collaboration_privacy_budget_template(
                collaborationIdentifier=cid, privacyBudgetTemplateIdentifier=t["id"])[
                    "collaborationPrivacyBudgetTemplate"]
            self.assertEqual((got["creatorAccountId"], got["parameters"]),
                             (self.A, dp_parameters(2, 10)))
            self.assertEqual([s["id"] for s in cr.list_collaboration_privacy_budget_templates(
                collaborationIdentifier=cid)["collaborationPrivacyBudgetTemplateSummaries"]],
                [t["id"]])
        self.assertEqual(self.cr_q.list_privacy_budget_templates(
            membershipIdentifier=mids[self.Q])["privacyBudgetTemplateSummaries"], [])
        self.assertClientError(self.cr_q.get_privacy_budget_template, "ResourceNotFoundException",
                               404, membershipIdentifier=mids[self.Q],
                               privacyBudgetTemplateIdentifier=t["id"])
        # Nobody else changes or removes it, not even through A's membership id.
        self.assertClientError(self.cr_b.delete_privacy_budget_template,
                               "ResourceNotFoundException", 404, membershipIdentifier=mids[self.B],
                               privacyBudgetTemplateIdentifier=t["id"])
        self.assertClientError(self.cr_q.update_privacy_budget_template,
                               "ResourceNotFoundException", 404, membershipIdentifier=mids[self.A],
                               privacyBudgetTemplateIdentifier=t["id"],
                               privacyBudgetType="DIFFERENTIAL_PRIVACY",
                               parameters=dp_parameters(20, 100))
        self.assertClientError(self.cr_q.list_tags_for_resource, "AccessDeniedException", 403,
                               resourceArn=t["arn"])

        # The outsider gets the answer an unknown collaboration or membership gets.
        unknown = random_id()
        for op, kwargs in (
                ("get_collaboration_privacy_budget_template",
                 {"privacyBudgetTemplateIdentifier": t["id"]}),
                ("list_collaboration_privacy_budget_templates", {}),
                ("list_collaboration_privacy_budgets", {"privacyBudgetType": "DIFFERENTIAL_PRIVACY"})):
            with self.subTest(op):
                fn = getattr(self.cr_d, op)
                err = call_error(fn, collaborationIdentifier=cid, **kwargs)
                self.assertEqual((err["code"], err["status"], err["resourceType"]),
                                 ("ResourceNotFoundException", 404, "COLLABORATION"), err)
                self.assertEqual(anonymized(err, cid),
                                 anonymized(call_error(fn, collaborationIdentifier=unknown,
                                                       **kwargs), unknown))
        for op, kwargs in (
                ("get_privacy_budget_template", {"privacyBudgetTemplateIdentifier": t["id"]}),
                ("list_privacy_budget_templates", {}),
                ("list_privacy_budgets", {"privacyBudgetType": "DIFFERENTIAL_PRIVACY"}),
                ("preview_privacy_impact", {"parameters": dp_parameters(1, 10)})):
            with self.subTest(op):
                fn = getattr(self.cr_d, op)
                err = call_error(fn, membershipIdentifier=mids[self.A], **kwargs)
                self.assertEqual((err["code"], err["status"], err["resourceType"]),
                                 ("ResourceNotFoundException", 404, "MEMBERSHIP"), err)
                self.assertEqual(anonymized(err, mids[self.A]),
                                 anonymized(call_error(fn, membershipIdentifier=unknown, **kwargs),
                                            unknown))
        self.server.assert_healthy()

    def test_differential_privacy_columns(self):
        cid, mids = self.collaboration()
        # The column must be one of the table's allowed columns.
        tid = self.cr_a.create_configured_table(
            name=self.fresh("ct"), tableReference=self.a.glue_reference(),
            allowedColumns=["age_group", "region"], analysisMethod="DIRECT_QUERY")[
                "configuredTable"]["id"]
        err = call_error(self.cr_a.create_configured_table_analysis_rule,
                         configuredTableIdentifier=tid, analysisRuleType="CUSTOM",
                         analysisRulePolicy=self.custom_policy("customer_id"))
        self.assertValidation(err, "differentialPrivacy.columns[0].name",
                              "Column 'customer_id' is not an allowed column")
        # Exactly one column.
        policy = self.custom_policy("region")
        policy["v1"]["custom"]["differentialPrivacy"]["columns"].append({"name": "age_group"})
        res = self.aws(self.a.account, "create-configured-table-analysis-rule",
                       "--configured-table-identifier", tid, "--analysis-rule-type", "CUSTOM",
                       "--analysis-rule-policy", json.dumps(policy), check=False)
        self.assertEqual(res.returncode, 255, res)
        self.assertIn("ValidationException", res.stderr)
        self.assertIn("differentialPrivacy.columns", res.stderr)

        # Every table with differential privacy in the collaboration names the same column.
        users = self.associate(self.a, self.cr_a, mids[self.A],
                               self.dp_table(self.a, self.cr_a, "customer_id"), name="users")
        other = self.dp_table(self.b, self.cr_b, "region")
        err = call_error(self.cr_b.create_configured_table_association, name="engagement",
                         membershipIdentifier=mids[self.B], configuredTableIdentifier=other,
                         roleArn=self.b.role_arn)
        self.assertValidation(err, "configuredTableIdentifier",
                              f"Table 'users' of collaboration {cid} already turns on "
                              f"differential privacy with user identifier column 'customer_id', "
                              f"but this table's analysis rule names 'region'")
        same = self.associate(self.b, self.cr_b, mids[self.B],
                              self.dp_table(self.b, self.cr_b, "customer_id"), name="engagement")
        err = call_error(self.cr_b.update_configured_table_analysis_rule,
                         configuredTableIdentifier=same["configuredTableId"],
                         analysisRuleType="CUSTOM", analysisRulePolicy=self.custom_policy("region"))
        self.assertValidation(err, "analysisRulePolicy.v1.custom.differentialPrivacy.columns[0].name",
                              "must use the same user identifier column")

        # The member who receives results cannot turn differential privacy on.
        err = call_error(self.cr_q.create_configured_table_association, name="orders",
                         membershipIdentifier=mids[self.Q],
                         configuredTableIdentifier=self.dp_table(self.q, self.cr_q, "customer_id"),
                         roleArn=self.q.role_arn)
        self.assertValidation(err, "configuredTableIdentifier",
                              f"Account {self.Q} can receive results in collaboration {cid}")

        # The schemas wait for the collaboration's privacy budget template.
        def reasons():
            schema = self.cr_q.get_schema(collaborationIdentifier=cid, name="users")["schema"]
            self.assertEqual(schema["schemaStatusDetails"][0]["configurations"],
                             ["DIFFERENTIAL_PRIVACY"])
            return [r["code"] for d in schema["schemaStatusDetails"] for r in d["reasons"]]
        self.assertIn("DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED", reasons())
        self.create_template(self.cr_b, mids[self.B])
        self.assertNotIn("DIFFERENTIAL_PRIVACY_POLICY_NOT_CONFIGURED", reasons())
        self.assertEqual(users["name"], "users")


if __name__ == "__main__":
    unittest.main()
