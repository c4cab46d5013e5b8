"""Clean Rooms with several accounts, through boto3: organizations A and B own data (an S3 bucket
with one of the recipe's CSVs, a Glue table over it, a role Clean Rooms may assume), analyst C
creates a collaboration inviting A and B, and D is an outsider.

Shown: the invitation flow INVITED -> ACTIVE from every account's point of view; who sees
which collaboration, membership, configured table, association, schema and template; that an
outsider's view of a collaboration (or another account's view of a membership or configured
table) is the same 404 as for an identifier that names nothing; that cross-account changes
are refused (403 for a non-creator changing the collaboration, 404 for another account's
membership or configured table); configured-table rules plus association ("collaboration")
rules making schemas READY for every member; analysis templates visible to all members;
tags; DeleteMember (REMOVED) and DeleteCollaboration (COLLABORATION_DELETED for the others).
"""

import unittest

from harness import ServerTestCase
from cleanrooms_support import (
    ORG_A_COLUMNS, ORG_B_COLUMNS, UUID_RE, aggregation_policy, anonymized, call_error,
    column_map, custom_policy, is_timestamp, list_policy, member_by_account, provision_org,
    random_id, receivers_policy)
from test_s3_recipe import ORG_A_CSV, ORG_B_CSV

ARN = "arn:aws:cleanrooms:us-east-1"
ENCRYPTION = {"preserveNulls": True, "allowCleartext": False, "allowDuplicates": False,
              "allowJoinsOnColumnsWithDifferentNames": False}
A_ALLOWED = ["customer_id", "age_group", "region", "purchase_amount", "product_category"]
B_ALLOWED = ["customer_id", "age_group", "region", "engagement_score", "channel_preference"]


class MultiPartyTestBase(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        srv = cls.server
        cls.a = provision_org(srv, srv.create_account(), "orga", ORG_A_CSV, ORG_A_COLUMNS)
        cls.b = provision_org(srv, srv.create_account(), "orgb", ORG_B_CSV, ORG_B_COLUMNS)
        # C holds data of its own too, to show it still cannot use another's membership.
        cls.c = provision_org(srv, srv.create_account(), "analyst", ORG_A_CSV, ORG_A_COLUMNS)
        cls.c_acct = cls.c.account
        cls.d_acct = srv.create_account()
        cls.cr_a = srv.client("cleanrooms", cls.a.account)
        cls.cr_b = srv.client("cleanrooms", cls.b.account)
        cls.cr_c = srv.client("cleanrooms", cls.c_acct)
        cls.cr_d = srv.client("cleanrooms", cls.d_acct)
        cls.A, cls.B = cls.a.account_id, cls.b.account_id
        cls.C, cls.D = cls.c_acct.account_id, cls.d_acct.account_id
        cls.counter = 0

    def fresh(self, prefix):
        type(self).counter += 1
        return f"{prefix}_{type(self).counter}"

    # ----- building blocks -------------------------------------------------------------------

    def create_collaboration(self, **extra):
        """C's collaboration: C may query and receive results, A may receive results, B only
        contributes data."""
        kwargs = dict(
            name=self.fresh("analysis"), description="three-party analysis",
            creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
            creatorDisplayName="Analyst C", queryLogStatus="ENABLED", analyticsEngine="SPARK",
            dataEncryptionMetadata=ENCRYPTION,
            members=[{"accountId": self.A, "memberAbilities": ["CAN_RECEIVE_RESULTS"],
                      "displayName": "Org A"},
                     {"accountId": self.B, "memberAbilities": [], "displayName": "Org B"}])
        kwargs.update(extra)
        return self.cr_c.create_collaboration(**kwargs)["collaboration"]

    def join(self, cr, cid, **extra):
        return cr.create_membership(collaborationIdentifier=cid, queryLogStatus="ENABLED",
                                    **extra)["membership"]

    def active_collaboration(self):
        """A collaboration all three have joined; returns (cid, {account id: membership id})."""
        cid = self.create_collaboration()["id"]
        mids = {acct: self.join(cr, cid)["id"]
                for acct, cr in ((self.A, self.cr_a), (self.B, self.cr_b), (self.C, self.cr_c))}
        return cid, mids

    def configured_table(self, cr, org, allowed, **extra):
        return cr.create_configured_table(
            name=self.fresh(f"{org.table}_ct"), tableReference=org.glue_reference(),
            allowedColumns=allowed, analysisMethod="DIRECT_QUERY", **extra)["configuredTable"]

    def associate(self, cr, org, mid, tid, name=None, **extra):
        return cr.create_configured_table_association(
            name=name or self.fresh(org.table), membershipIdentifier=mid,
            configuredTableIdentifier=tid, roleArn=org.role_arn,
            **extra)["configuredTableAssociation"]

    def assertHidden(self, call, unknown_call, ident, unknown, resource_type):
        """`call` fails exactly like `unknown_call` does for an identifier naming nothing."""
        seen = call_error(call[0], **call[1])
        baseline = call_error(unknown_call[0], **unknown_call[1])
        self.assertEqual(seen["code"], "ResourceNotFoundException", seen)
        self.assertEqual(seen["status"], 404, seen)
        self.assertEqual(seen["resourceType"], resource_type, seen)
        self.assertEqual(anonymized(seen, ident), anonymized(baseline, unknown))

    def assertContains(self, actual, expected, path="policy"):
        """Every key of `expected` is in `actual` with the same value (recursively for
        objects); `actual` may hold more keys, such as defaults the server fills in."""
        if isinstance(expected, dict):
            self.assertIsInstance(actual, dict, path)
            for key, value in expected.items():
                self.assertIn(key, actual, f"{path}.{key} missing")
                self.assertContains(actual[key], value, f"{path}.{key}")
        else:
            self.assertEqual(actual, expected, path)

    def assertNotFound(self, fn, resource_type=None, **kwargs):
        e = self.assertClientError(fn, "ResourceNotFoundException", 404, **kwargs)
        if resource_type:
            self.assertEqual(e.response.get("resourceType"), resource_type, e.response)
        return e


class InvitationTest(MultiPartyTestBase):

    def test_invitation_flow_from_each_point_of_view(self):
        created = self.create_collaboration()
        cid = created["id"]
        self.assertRegex(cid, f"^{UUID_RE}$")
        self.assertEqual(created["arn"], f"{ARN}:{self.C}:collaboration/{cid}")
        self.assertEqual(created["creatorAccountId"], self.C)
        self.assertEqual(created["creatorDisplayName"], "Analyst C")
        self.assertEqual(created["dataEncryptionMetadata"], ENCRYPTION)
        self.assertEqual(created["analyticsEngine"], "SPARK")
        # The creator is a member too, and has not joined yet.
        self.assertEqual(created["memberStatus"], "INVITED")
        self.assertNotIn("membershipId", created)
        self.assertTrue(is_timestamp(created["createTime"]))

        for cr in (self.cr_a, self.cr_b, self.cr_c):
            c = cr.get_collaboration(collaborationIdentifier=cid)["collaboration"]
            self.assertEqual(c["memberStatus"], "INVITED")
            self.assertNotIn("membershipId", c)
            self.assertEqual(c["name"], created["name"])
            listed = {s["id"]: s for s in cr.list_collaborations()["collaborationList"]}
            self.assertEqual(listed[cid]["memberStatus"], "INVITED")
            self.assertIn(cid, [s["id"] for s in cr.list_collaborations(
                memberStatus="INVITED")["collaborationList"]])
            self.assertNotIn(cid, [s["id"] for s in cr.list_collaborations(
                memberStatus="ACTIVE")["collaborationList"]])

        members = self.cr_a.list_members(collaborationIdentifier=cid)["memberSummaries"]
        self.assertEqual(sorted(m["accountId"] for m in members), sorted([self.A, self.B, self.C]))
        expected = {self.A: ("Org A", ["CAN_RECEIVE_RESULTS"]), self.B: ("Org B", []),
                    self.C: ("Analyst C", ["CAN_QUERY", "CAN_RECEIVE_RESULTS"])}
        for m in members:
            self.assertEqual((m["displayName"], sorted(m["abilities"])), expected[m["accountId"]])
            self.assertEqual(m["status"], "INVITED")
            self.assertNotIn("membershipId", m)
            self.assertIsInstance(m["paymentConfiguration"]["queryCompute"]["isResponsible"], bool)

        # The outsider D sees nothing, exactly as for a collaboration that does not exist.
        unknown = random_id()
        for op in ("get_collaboration", "list_members", "list_schemas",
                   "list_collaboration_analysis_templates"):
            self.assertHidden((getattr(self.cr_d, op), {"collaborationIdentifier": cid}),
                              (getattr(self.cr_d, op), {"collaborationIdentifier": unknown}),
                              cid, unknown, "COLLABORATION")
        self.assertNotIn(cid, [s["id"] for s in
                               self.cr_d.list_collaborations()["collaborationList"]])
        self.assertHidden((self.cr_d.create_membership, {"collaborationIdentifier": cid,
                                                         "queryLogStatus": "ENABLED"}),
                          (self.cr_d.create_membership, {"collaborationIdentifier": unknown,
                                                         "queryLogStatus": "ENABLED"}),
                          cid, unknown, "COLLABORATION")

        # A joins: only A's own view changes to ACTIVE.
        ma = self.join(self.cr_a, cid, tags={"owner": "org-a"})
        self.assertRegex(ma["id"], f"^{UUID_RE}$")
        self.assertEqual(ma["arn"], f"{ARN}:{self.A}:membership/{ma['id']}")
        self.assertEqual(ma["collaborationId"], cid)
        self.assertEqual(ma["collaborationArn"], created["arn"])
        self.assertEqual(ma["collaborationName"], created["name"])
        self.assertEqual(ma["collaborationCreatorAccountId"], self.C)
        self.assertEqual(ma["collaborationCreatorDisplayName"], "Analyst C")
        self.assertEqual(ma["status"], "ACTIVE")
        self.assertEqual(ma["memberAbilities"], ["CAN_RECEIVE_RESULTS"])
        self.assertEqual(ma["queryLogStatus"], "ENABLED")
        a_view = self.cr_a.get_collaboration(collaborationIdentifier=cid)["collaboration"]
        self.assertEqual(a_view["memberStatus"], "ACTIVE")
        self.assertEqual(a_view["membershipId"], ma["id"])
        self.assertEqual(a_view["membershipArn"], ma["arn"])
        c_view = self.cr_c.get_collaboration(collaborationIdentifier=cid)["collaboration"]
        self.assertEqual(c_view["memberStatus"], "INVITED")
        self.assertNotIn("membershipId", c_view)
        listed = {s["id"]: s for s in self.cr_a.list_collaborations(
            memberStatus="ACTIVE")["collaborationList"]}
        self.assertEqual(listed[cid]["membershipId"], ma["id"])
        members = self.cr_c.list_members(collaborationIdentifier=cid)["memberSummaries"]
        self.assertEqual(member_by_account(members, self.A)["status"], "ACTIVE")
        self.assertEqual(member_by_account(members, self.A)["membershipId"], ma["id"])
        self.assertEqual(member_by_account(members, self.B)["status"], "INVITED")
        self.assertEqual(member_by_account(members, self.C)["status"], "INVITED")
        summaries = {s["id"]: s for s in self.cr_a.list_memberships()["membershipSummaries"]}
        self.assertEqual(summaries[ma["id"]]["collaborationName"], created["name"])
        self.assertEqual(summaries[ma["id"]]["status"], "ACTIVE")
        self.assertEqual(self.cr_a.list_tags_for_resource(resourceArn=ma["arn"])["tags"],
                         {"owner": "org-a"})

        # A second membership is a conflict.
        self.assertClientError(self.cr_a.create_membership, "ConflictException", 409,
                               collaborationIdentifier=cid, queryLogStatus="ENABLED")

        # A's membership is A's alone: others get the 404 an unknown membership gets.
        unknown = random_id()
        for cr in (self.cr_b, self.cr_c, self.cr_d):
            self.assertHidden((cr.get_membership, {"membershipIdentifier": ma["id"]}),
                              (cr.get_membership, {"membershipIdentifier": unknown}),
                              ma["id"], unknown, "MEMBERSHIP")
            self.assertNotIn(ma["id"], [s["id"] for s in
                                        cr.list_memberships()["membershipSummaries"]])
        self.assertHidden((self.cr_b.update_membership, {"membershipIdentifier": ma["id"],
                                                         "queryLogStatus": "DISABLED"}),
                          (self.cr_b.update_membership, {"membershipIdentifier": unknown,
                                                         "queryLogStatus": "DISABLED"}),
                          ma["id"], unknown, "MEMBERSHIP")

        # A changes its own membership.
        result_config = {"outputConfiguration": {"s3": {
            "resultFormat": "CSV", "bucket": self.a.bucket, "keyPrefix": "results/"}}}
        updated = self.cr_a.update_membership(
            membershipIdentifier=ma["id"], queryLogStatus="DISABLED",
            defaultResultConfiguration=result_config)["membership"]
        self.assertEqual(updated["queryLogStatus"], "DISABLED")
        self.assertContains(updated["defaultResultConfiguration"], result_config)
        again = self.cr_a.get_membership(membershipIdentifier=ma["id"])["membership"]
        self.assertEqual(again["queryLogStatus"], "DISABLED")
        self.assertContains(again["defaultResultConfiguration"], result_config)

        # B and C join; everyone is ACTIVE, each seeing its own membership.
        mb = self.join(self.cr_b, cid)
        mc = self.join(self.cr_c, cid)
        self.assertEqual(mb["memberAbilities"], [])
        self.assertEqual(sorted(mc["memberAbilities"]), ["CAN_QUERY", "CAN_RECEIVE_RESULTS"])
        own = {self.A: ma["id"], self.B: mb["id"], self.C: mc["id"]}
        self.assertEqual(len(set(own.values())), 3)
        for acct, cr in ((self.A, self.cr_a), (self.B, self.cr_b), (self.C, self.cr_c)):
            view = cr.get_collaboration(collaborationIdentifier=cid)["collaboration"]
            self.assertEqual((view["memberStatus"], view["membershipId"]), ("ACTIVE", own[acct]))
            members = cr.list_members(collaborationIdentifier=cid)["memberSummaries"]
            self.assertEqual({m["accountId"]: (m["status"], m.get("membershipId"))
                              for m in members},
                             {k: ("ACTIVE", v) for k, v in own.items()})
            self.assertIn(cid, [s["id"] for s in cr.list_collaborations(
                memberStatus="ACTIVE")["collaborationList"]])
            self.assertNotIn(cid, [s["id"] for s in cr.list_collaborations(
                memberStatus="INVITED")["collaborationList"]])

    def test_only_the_creator_changes_the_collaboration(self):
        cid, mids = self.active_collaboration()
        arn = f"{ARN}:{self.C}:collaboration/{cid}"
        for cr in (self.cr_a, self.cr_b):
            self.assertClientError(cr.update_collaboration, "AccessDeniedException", 403,
                                   collaborationIdentifier=cid, name="taken over")
            self.assertClientError(cr.delete_collaboration, "AccessDeniedException", 403,
                                   collaborationIdentifier=cid)
        self.assertClientError(self.cr_a.delete_member, "AccessDeniedException", 403,
                               collaborationIdentifier=cid, accountId=self.B)
        members = self.cr_c.list_members(collaborationIdentifier=cid)["memberSummaries"]
        self.assertEqual(sorted(m["status"] for m in members), ["ACTIVE"] * 3)

        updated = self.cr_c.update_collaboration(
            collaborationIdentifier=cid, name="renamed analysis",
            description="new description")["collaboration"]
        self.assertEqual((updated["name"], updated["description"]),
                         ("renamed analysis", "new description"))
        for cr in (self.cr_a, self.cr_b):
            view = cr.get_collaboration(collaborationIdentifier=cid)["collaboration"]
            self.assertEqual((view["name"], view["description"], view["arn"]),
                             ("renamed analysis", "new description", arn))


class DataAccessTest(MultiPartyTestBase):

    def test_configured_tables_and_memberships_are_private(self):
        cid, mids = self.active_collaboration()
        ta = self.configured_table(self.cr_a, self.a, A_ALLOWED)
        tb = self.configured_table(self.cr_b, self.b, B_ALLOWED)
        self.assertEqual(ta["arn"], f"{ARN}:{self.A}:configuredtable/{ta['id']}")
        self.assertEqual(ta["allowedColumns"], A_ALLOWED)
        self.assertEqual(ta["analysisRuleTypes"], [])

        unknown = random_id()
        for cr in (self.cr_b, self.cr_c, self.cr_d):
            self.assertHidden((cr.get_configured_table, {"configuredTableIdentifier": ta["id"]}),
                              (cr.get_configured_table, {"configuredTableIdentifier": unknown}),
                              ta["id"], unknown, "CONFIGURED_TABLE")
            self.assertNotIn(ta["id"], [t["id"] for t in
                                        cr.list_configured_tables()["configuredTableSummaries"]])
        self.assertEqual([t["id"] for t in
                          self.cr_a.list_configured_tables()["configuredTableSummaries"]
                          if t["id"] in (ta["id"], tb["id"])], [ta["id"]])
        self.assertHidden((self.cr_b.delete_configured_table,
                           {"configuredTableIdentifier": ta["id"]}),
                          (self.cr_b.delete_configured_table,
                           {"configuredTableIdentifier": unknown}),
                          ta["id"], unknown, "CONFIGURED_TABLE")
        self.assertNotFound(self.cr_b.create_configured_table_analysis_rule,
                            configuredTableIdentifier=ta["id"], analysisRuleType="LIST",
                            analysisRulePolicy=list_policy())

        # B may not associate A's configured table, not even into B's own membership.
        self.assertHidden((self.associate, {"cr": self.cr_b, "org": self.b, "mid": mids[self.B],
                                            "tid": ta["id"]}),
                          (self.associate, {"cr": self.cr_b, "org": self.b, "mid": mids[self.B],
                                            "tid": unknown}),
                          ta["id"], unknown, "CONFIGURED_TABLE")
        # Nobody may use a membership of another account, not even with a table of its own.
        tc = self.configured_table(self.cr_c, self.c, A_ALLOWED)
        for cr, org, tid in ((self.cr_c, self.c, tc["id"]), (self.cr_b, self.b, tb["id"])):
            self.assertHidden((self.associate, {"cr": cr, "org": org, "mid": mids[self.A],
                                                "tid": tid}),
                              (self.associate, {"cr": cr, "org": org, "mid": unknown,
                                                "tid": tid}),
                              mids[self.A], unknown, "MEMBERSHIP")
        self.assertNotFound(self.cr_c.list_configured_table_associations, "MEMBERSHIP",
                            membershipIdentifier=mids[self.A])

        # A's own association works, and becomes a schema every active member can see.
        cta = self.associate(self.cr_a, self.a, mids[self.A], ta["id"], name="org_a_sales",
                             description="A's sales")
        self.assertEqual(cta["arn"], f"{ARN}:{self.A}:membership/{mids[self.A]}/"
                                     f"configuredtableassociation/{cta['id']}")
        self.assertEqual((cta["membershipId"], cta["configuredTableId"], cta["roleArn"]),
                         (mids[self.A], ta["id"], self.a.role_arn))
        self.assertHidden((self.cr_b.get_configured_table_association,
                           {"membershipIdentifier": mids[self.A],
                            "configuredTableAssociationIdentifier": cta["id"]}),
                          (self.cr_b.get_configured_table_association,
                           {"membershipIdentifier": unknown,
                            "configuredTableAssociationIdentifier": cta["id"]}),
                          mids[self.A], unknown, "MEMBERSHIP")
        # The name is taken in the whole collaboration, also for B.
        self.assertClientError(self.associate, "ConflictException", 409, cr=self.cr_b,
                               org=self.b, mid=mids[self.B], tid=tb["id"], name="org_a_sales")
        ctb = self.associate(self.cr_b, self.b, mids[self.B], tb["id"], name="org_b_engagement")

        a_columns = dict(ORG_A_COLUMNS)
        b_columns = dict(ORG_B_COLUMNS)
        for cr in (self.cr_a, self.cr_b, self.cr_c):
            listed = {s["name"]: s for s in
                      cr.list_schemas(collaborationIdentifier=cid)["schemaSummaries"]}
            self.assertEqual(sorted(listed), ["org_a_sales", "org_b_engagement"])
            self.assertEqual(listed["org_a_sales"]["creatorAccountId"], self.A)
            self.assertEqual(listed["org_b_engagement"]["creatorAccountId"], self.B)
            s = cr.get_schema(collaborationIdentifier=cid, name="org_a_sales")["schema"]
            self.assertEqual(s["creatorAccountId"], self.A)
            self.assertEqual(s["collaborationId"], cid)
            self.assertEqual(s["type"], "TABLE")
            self.assertEqual(column_map(s["columns"]), {n: a_columns[n] for n in A_ALLOWED})
            self.assertNotIn("registration_date", column_map(s["columns"]))
            self.assertEqual(s["analysisRuleTypes"], [])
            for d in s["schemaStatusDetails"]:
                self.assertEqual(d["status"], "NOT_READY")
                self.assertIn("ANALYSIS_RULE_MISSING",
                              [r["code"] for r in d.get("reasons", [])])
            s = cr.get_schema(collaborationIdentifier=cid, name="org_b_engagement")["schema"]
            self.assertEqual(column_map(s["columns"]), {n: b_columns[n] for n in B_ALLOWED})
            batch = cr.batch_get_schema(collaborationIdentifier=cid,
                                        names=["org_a_sales", "no_such_schema"])
            self.assertEqual([x["name"] for x in batch["schemas"]], ["org_a_sales"])
            self.assertEqual([x["name"] for x in batch["errors"]], ["no_such_schema"])
            self.assertTrue(batch["errors"][0]["code"] and batch["errors"][0]["message"])
        self.assertHidden((self.cr_d.get_schema, {"collaborationIdentifier": cid,
                                                  "name": "org_a_sales"}),
                          (self.cr_d.get_schema, {"collaborationIdentifier": unknown,
                                                  "name": "org_a_sales"}),
                          cid, unknown, "COLLABORATION")

        # Each owner lists only its own associations.
        self.assertEqual([x["id"] for x in self.cr_a.list_configured_table_associations(
            membershipIdentifier=mids[self.A])["configuredTableAssociationSummaries"]],
            [cta["id"]])
        self.assertEqual([x["id"] for x in self.cr_b.list_configured_table_associations(
            membershipIdentifier=mids[self.B])["configuredTableAssociationSummaries"]],
            [ctb["id"]])
        self.assertEqual(self.cr_c.list_configured_table_associations(
            membershipIdentifier=mids[self.C])["configuredTableAssociationSummaries"], [])

    def test_rules_make_schemas_ready_for_every_member(self):
        cid, mids = self.active_collaboration()
        ta = self.configured_table(self.cr_a, self.a, A_ALLOWED)
        tb = self.configured_table(self.cr_b, self.b, B_ALLOWED)
        cta = self.associate(self.cr_a, self.a, mids[self.A], ta["id"], name="sales")
        ctb = self.associate(self.cr_b, self.b, mids[self.B], tb["id"], name="engagement")

        def status(cr, name):
            s = cr.get_schema(collaborationIdentifier=cid, name=name)["schema"]
            details = s["schemaStatusDetails"]
            self.assertTrue(details, s)
            return s, {d["status"] for d in details}, {
                r["code"] for d in details for r in d.get("reasons", [])}

        for name in ("sales", "engagement"):
            _, statuses, reasons = status(self.cr_c, name)
            self.assertEqual(statuses, {"NOT_READY"})
            self.assertIn("ANALYSIS_RULE_MISSING", reasons)

        # A's table rule: AGGREGATION. The configured table reports it.
        agg = aggregation_policy(join=("customer_id",),
                                 dimensions=("age_group", "region", "product_category"))
        rule = self.cr_a.create_configured_table_analysis_rule(
            configuredTableIdentifier=ta["id"], analysisRuleType="AGGREGATION",
            analysisRulePolicy=agg)["analysisRule"]
        self.assertEqual((rule["configuredTableId"], rule["configuredTableArn"], rule["type"]),
                         (ta["id"], ta["arn"], "AGGREGATION"))
        self.assertContains(rule["policy"], agg)
        self.assertTrue(is_timestamp(rule["createTime"]))
        self.assertEqual(self.cr_a.get_configured_table(
            configuredTableIdentifier=ta["id"])["configuredTable"]["analysisRuleTypes"],
            ["AGGREGATION"])
        self.assertContains(self.cr_a.get_configured_table_analysis_rule(
            configuredTableIdentifier=ta["id"],
            analysisRuleType="AGGREGATION")["analysisRule"]["policy"], agg)
        _, _, reasons = status(self.cr_c, "sales")
        self.assertNotIn("ANALYSIS_RULE_MISSING", reasons)

        # Result receivers must be members that can receive results: B cannot, C can.
        self.assertClientError(
            self.cr_a.create_configured_table_association_analysis_rule, "ValidationException",
            400, membershipIdentifier=mids[self.A], configuredTableAssociationIdentifier=cta["id"],
            analysisRuleType="AGGREGATION",
            analysisRulePolicy=receivers_policy("AGGREGATION", [self.B]))
        self.assertClientError(
            self.cr_a.create_configured_table_association_analysis_rule, "ValidationException",
            400, membershipIdentifier=mids[self.A], configuredTableAssociationIdentifier=cta["id"],
            analysisRuleType="AGGREGATION",
            analysisRulePolicy=receivers_policy("AGGREGATION", [self.D]))
        # Only the association's owner may give it a collaboration rule.
        self.assertNotFound(
            self.cr_c.create_configured_table_association_analysis_rule, "MEMBERSHIP",
            membershipIdentifier=mids[self.A], configuredTableAssociationIdentifier=cta["id"],
            analysisRuleType="AGGREGATION",
            analysisRulePolicy=receivers_policy("AGGREGATION", [self.C]))
        collab_rule = self.cr_a.create_configured_table_association_analysis_rule(
            membershipIdentifier=mids[self.A], configuredTableAssociationIdentifier=cta["id"],
            analysisRuleType="AGGREGATION",
            analysisRulePolicy=receivers_policy("AGGREGATION", [self.C]))["analysisRule"]
        self.assertEqual((collab_rule["configuredTableAssociationId"], collab_rule["type"]),
                         (cta["id"], "AGGREGATION"))
        self.assertEqual(collab_rule["configuredTableAssociationArn"], cta["arn"])
        self.assertContains(collab_rule["policy"], receivers_policy("AGGREGATION", [self.C]))
        self.assertEqual(self.cr_a.get_configured_table_association(
            membershipIdentifier=mids[self.A],
            configuredTableAssociationIdentifier=cta["id"])["configuredTableAssociation"]
            ["analysisRuleTypes"], ["AGGREGATION"])

        # Every member now sees A's table READY with the rules it carries.
        for cr in (self.cr_a, self.cr_b, self.cr_c):
            s, statuses, _ = status(cr, "sales")
            self.assertEqual(statuses, {"READY"}, s["schemaStatusDetails"])
            self.assertEqual(s["analysisRuleTypes"], ["AGGREGATION"])
            r = cr.get_schema_analysis_rule(collaborationIdentifier=cid, name="sales",
                                            type="AGGREGATION")["analysisRule"]
            self.assertEqual((r["collaborationId"], r["name"], r["type"]),
                             (cid, "sales", "AGGREGATION"))
            self.assertContains(r["policy"], agg)
            self.assertContains(r["collaborationPolicy"],
                                receivers_policy("AGGREGATION", [self.C]))
            consolidated = r["consolidatedPolicy"]["v1"]["aggregation"]
            self.assertEqual(consolidated["allowedResultReceivers"], [self.C])
            for key, value in agg["v1"]["aggregation"].items():
                self.assertEqual(consolidated[key], value, key)

        # B's table: a LIST rule and its collaboration rule, updated once.
        lst = list_policy(join=("customer_id",), list_columns=("age_group", "region"))
        self.cr_b.create_configured_table_analysis_rule(
            configuredTableIdentifier=tb["id"], analysisRuleType="LIST", analysisRulePolicy=lst)
        self.assertClientError(self.cr_b.create_configured_table_analysis_rule,
                               "ConflictException", 409, configuredTableIdentifier=tb["id"],
                               analysisRuleType="AGGREGATION",
                               analysisRulePolicy=aggregation_policy())
        lst2 = list_policy(join=("customer_id",),
                           list_columns=("age_group", "region", "channel_preference"))
        updated = self.cr_b.update_configured_table_analysis_rule(
            configuredTableIdentifier=tb["id"], analysisRuleType="LIST",
            analysisRulePolicy=lst2)["analysisRule"]
        self.assertContains(updated["policy"], lst2)
        self.cr_b.create_configured_table_association_analysis_rule(
            membershipIdentifier=mids[self.B], configuredTableAssociationIdentifier=ctb["id"],
            analysisRuleType="LIST", analysisRulePolicy=receivers_policy("LIST", [self.A]))
        self.cr_b.update_configured_table_association_analysis_rule(
            membershipIdentifier=mids[self.B], configuredTableAssociationIdentifier=ctb["id"],
            analysisRuleType="LIST",
            analysisRulePolicy=receivers_policy("LIST", [self.A, self.C]))
        got = self.cr_b.get_configured_table_association_analysis_rule(
            membershipIdentifier=mids[self.B], configuredTableAssociationIdentifier=ctb["id"],
            analysisRuleType="LIST")["analysisRule"]
        self.assertEqual(sorted(got["policy"]["v1"]["list"]["allowedResultReceivers"]),
                         sorted([self.A, self.C]))
        for cr in (self.cr_a, self.cr_c):
            s, statuses, _ = status(cr, "engagement")
            self.assertEqual(statuses, {"READY"}, s["schemaStatusDetails"])
            self.assertEqual(s["analysisRuleTypes"], ["LIST"])
            r = cr.get_schema_analysis_rule(collaborationIdentifier=cid, name="engagement",
                                            type="LIST")["analysisRule"]
            self.assertContains(r["policy"], lst2)
            self.assertEqual(r["consolidatedPolicy"]["v1"]["list"]["listColumns"],
                             ["age_group", "region", "channel_preference"])

        # Deleting the table rule makes the schema NOT_READY again for everyone.
        self.cr_b.delete_configured_table_association_analysis_rule(
            membershipIdentifier=mids[self.B], configuredTableAssociationIdentifier=ctb["id"],
            analysisRuleType="LIST")
        self.cr_b.delete_configured_table_analysis_rule(configuredTableIdentifier=tb["id"],
                                                        analysisRuleType="LIST")
        self.assertEqual(self.cr_b.get_configured_table(
            configuredTableIdentifier=tb["id"])["configuredTable"]["analysisRuleTypes"], [])
        s, statuses, reasons = status(self.cr_c, "engagement")
        self.assertEqual(statuses, {"NOT_READY"})
        self.assertIn("ANALYSIS_RULE_MISSING", reasons)
        self.assertEqual(s["analysisRuleTypes"], [])

    def test_custom_rule_lifecycle(self):
        ta = self.configured_table(self.cr_a, self.a, A_ALLOWED)
        policy = custom_policy([self.C])
        created = self.cr_a.create_configured_table_analysis_rule(
            configuredTableIdentifier=ta["id"], analysisRuleType="CUSTOM",
            analysisRulePolicy=policy)["analysisRule"]
        self.assertEqual(created["type"], "CUSTOM")
        self.assertContains(created["policy"], policy)
        self.assertEqual(self.cr_a.get_configured_table(
            configuredTableIdentifier=ta["id"])["configuredTable"]["analysisRuleTypes"],
            ["CUSTOM"])
        policy2 = {"v1": {"custom": {"allowedAnalyses": ["ANY_QUERY"],
                                     "allowedAnalysisProviders": [self.C, self.B],
                                     "disallowedOutputColumns": ["customer_id"]}}}
        self.cr_a.update_configured_table_analysis_rule(
            configuredTableIdentifier=ta["id"], analysisRuleType="CUSTOM",
            analysisRulePolicy=policy2)
        got = self.cr_a.get_configured_table_analysis_rule(
            configuredTableIdentifier=ta["id"], analysisRuleType="CUSTOM")["analysisRule"]
        self.assertContains(got["policy"], policy2)
        self.assertGreaterEqual(got["updateTime"], got["createTime"])
        self.assertNotFound(self.cr_b.get_configured_table_analysis_rule,
                            configuredTableIdentifier=ta["id"], analysisRuleType="CUSTOM")
        self.cr_a.delete_configured_table_analysis_rule(configuredTableIdentifier=ta["id"],
                                                        analysisRuleType="CUSTOM")
        self.assertEqual(self.cr_a.get_configured_table(
            configuredTableIdentifier=ta["id"])["configuredTable"]["analysisRuleTypes"], [])
        self.assertClientError(self.cr_a.get_configured_table_analysis_rule,
                               "ResourceNotFoundException", 404,
                               configuredTableIdentifier=ta["id"], analysisRuleType="CUSTOM")
        # With the rule gone, a rule of another type may be created.
        self.cr_a.create_configured_table_analysis_rule(
            configuredTableIdentifier=ta["id"], analysisRuleType="LIST",
            analysisRulePolicy=list_policy())


class TemplateTest(MultiPartyTestBase):

    def test_templates_are_visible_to_every_member(self):
        cid, mids = self.active_collaboration()
        ta = self.configured_table(self.cr_a, self.a, A_ALLOWED)
        self.associate(self.cr_a, self.a, mids[self.A], ta["id"], name="sales")
        sql = "SELECT region, SUM(purchase_amount) FROM sales WHERE age_group = :age GROUP BY region"

        # The referenced tables must be schemas of the collaboration.
        self.assertClientError(
            self.cr_c.create_analysis_template, "ValidationException", 400,
            membershipIdentifier=mids[self.C], name="bad", format="SQL",
            source={"text": "SELECT 1 FROM nowhere"}, schema={"referencedTables": ["nowhere"]})

        t = self.cr_c.create_analysis_template(
            membershipIdentifier=mids[self.C], name="spend_by_region", format="SQL",
            description="spend per region", source={"text": sql},
            schema={"referencedTables": ["sales"]},
            analysisParameters=[{"name": "age", "type": "VARCHAR", "defaultValue": "25-34"}],
            tags={"kind": "report"})["analysisTemplate"]
        self.assertRegex(t["id"], f"^{UUID_RE}$")
        self.assertEqual(t["arn"], f"{ARN}:{self.C}:membership/{mids[self.C]}/"
                                   f"analysistemplate/{t['id']}")
        self.assertEqual((t["collaborationId"], t["membershipId"]), (cid, mids[self.C]))
        self.assertEqual(t["collaborationArn"], f"{ARN}:{self.C}:collaboration/{cid}")
        self.assertEqual(t["membershipArn"], f"{ARN}:{self.C}:membership/{mids[self.C]}")
        self.assertEqual((t["name"], t["format"], t["source"]),
                         ("spend_by_region", "SQL", {"text": sql}))
        self.assertEqual(t["schema"], {"referencedTables": ["sales"]})
        self.assertEqual(t["analysisParameters"],
                         [{"name": "age", "type": "VARCHAR", "defaultValue": "25-34"}])
        self.assertEqual(self.cr_c.list_tags_for_resource(resourceArn=t["arn"])["tags"],
                         {"kind": "report"})
        self.assertEqual(self.cr_c.get_analysis_template(
            membershipIdentifier=mids[self.C], analysisTemplateIdentifier=t["id"])
            ["analysisTemplate"]["arn"], t["arn"])
        self.assertEqual([x["id"] for x in self.cr_c.list_analysis_templates(
            membershipIdentifier=mids[self.C])["analysisTemplateSummaries"]], [t["id"]])

        # Member-scoped calls are C's alone; A's own membership has no templates.
        self.assertNotFound(self.cr_a.get_analysis_template, "MEMBERSHIP",
                            membershipIdentifier=mids[self.C], analysisTemplateIdentifier=t["id"])
        self.assertEqual(self.cr_a.list_analysis_templates(
            membershipIdentifier=mids[self.A])["analysisTemplateSummaries"], [])

        # Every member sees it through the collaboration; the outsider does not.
        for cr in (self.cr_a, self.cr_b, self.cr_c):
            ct = cr.get_collaboration_analysis_template(
                collaborationIdentifier=cid, analysisTemplateArn=t["arn"])[
                "collaborationAnalysisTemplate"]
            self.assertEqual((ct["id"], ct["arn"], ct["creatorAccountId"], ct["name"]),
                             (t["id"], t["arn"], self.C, "spend_by_region"))
            self.assertEqual(ct["schema"], {"referencedTables": ["sales"]})
            listed = cr.list_collaboration_analysis_templates(collaborationIdentifier=cid)[
                "collaborationAnalysisTemplateSummaries"]
            self.assertEqual([(x["arn"], x["creatorAccountId"]) for x in listed],
                             [(t["arn"], self.C)])
            bogus = f"{ARN}:{self.C}:membership/{mids[self.C]}/analysistemplate/{random_id()}"
            batch = cr.batch_get_collaboration_analysis_template(
                collaborationIdentifier=cid, analysisTemplateArns=[t["arn"], bogus])
            self.assertEqual([x["arn"] for x in batch["collaborationAnalysisTemplates"]],
                             [t["arn"]])
            self.assertEqual([x["arn"] for x in batch["errors"]], [bogus])
        unknown = random_id()
        self.assertHidden((self.cr_d.get_collaboration_analysis_template,
                           {"collaborationIdentifier": cid, "analysisTemplateArn": t["arn"]}),
                          (self.cr_d.get_collaboration_analysis_template,
                           {"collaborationIdentifier": unknown,
                            "analysisTemplateArn": t["arn"]}),
                          cid, unknown, "COLLABORATION")

        # An update by its owner shows everywhere; a removal too.
        self.cr_c.update_analysis_template(membershipIdentifier=mids[self.C],
                                           analysisTemplateIdentifier=t["id"],
                                           description="updated")
        self.assertEqual(self.cr_b.get_collaboration_analysis_template(
            collaborationIdentifier=cid, analysisTemplateArn=t["arn"])[
            "collaborationAnalysisTemplate"]["description"], "updated")
        self.cr_c.delete_analysis_template(membershipIdentifier=mids[self.C],
                                           analysisTemplateIdentifier=t["id"])
        self.assertEqual(self.cr_a.list_collaboration_analysis_templates(
            collaborationIdentifier=cid)["collaborationAnalysisTemplateSummaries"], [])
        self.assertEqual(self.cr_c.list_analysis_templates(
            membershipIdentifier=mids[self.C])["analysisTemplateSummaries"], [])


class TagTest(MultiPartyTestBase):

    def test_tags_on_own_resources(self):
        created = self.create_collaboration(tags={"project": "pilot", "cost-center": "42"})
        arn = created["arn"]
        cr = self.cr_c
        self.assertEqual(cr.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"project": "pilot", "cost-center": "42"})
        cr.tag_resource(resourceArn=arn, tags={"stage": "test", "project": "main"})
        self.assertEqual(cr.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"project": "main", "cost-center": "42", "stage": "test"})
        cr.untag_resource(resourceArn=arn, tagKeys=["cost-center", "stage"])
        self.assertEqual(cr.list_tags_for_resource(resourceArn=arn)["tags"], {"project": "main"})

        mid = self.join(self.cr_a, created["id"])["id"]
        t = self.configured_table(self.cr_a, self.a, A_ALLOWED, tags={"data": "sales"})
        self.assertEqual(self.cr_a.list_tags_for_resource(resourceArn=t["arn"])["tags"],
                         {"data": "sales"})
        cta = self.associate(self.cr_a, self.a, mid, t["id"], tags={"shared": "yes"})
        self.assertEqual(self.cr_a.list_tags_for_resource(resourceArn=cta["arn"])["tags"],
                         {"shared": "yes"})
        self.cr_a.tag_resource(resourceArn=cta["arn"], tags={"more": "1"})
        self.cr_a.untag_resource(resourceArn=cta["arn"], tagKeys=["shared"])
        self.assertEqual(self.cr_a.list_tags_for_resource(resourceArn=cta["arn"])["tags"],
                         {"more": "1"})
        untagged = self.configured_table(self.cr_a, self.a, A_ALLOWED)
        self.assertEqual(self.cr_a.list_tags_for_resource(resourceArn=untagged["arn"])["tags"],
                         {})


class RemovalTest(MultiPartyTestBase):

    def test_delete_member(self):
        cid, mids = self.active_collaboration()
        self.cr_c.delete_member(collaborationIdentifier=cid, accountId=self.B)
        for cr in (self.cr_a, self.cr_c):
            members = cr.list_members(collaborationIdentifier=cid)["memberSummaries"]
            self.assertEqual(member_by_account(members, self.B)["status"], "REMOVED")
            self.assertEqual(member_by_account(members, self.A)["status"], "ACTIVE")
            self.assertEqual(member_by_account(members, self.C)["status"], "ACTIVE")
        self.assertNotIn(cid, [s["id"] for s in
                               self.cr_b.list_collaborations()["collaborationList"]])
        self.assertEqual(self.cr_b.get_membership(
            membershipIdentifier=mids[self.B])["membership"]["status"], "REMOVED")
        self.assertIn(cid, [s["id"] for s in
                            self.cr_a.list_collaborations()["collaborationList"]])

    def test_delete_collaboration(self):
        cid, mids = self.active_collaboration()
        ta = self.configured_table(self.cr_a, self.a, A_ALLOWED)
        self.cr_c.delete_collaboration(collaborationIdentifier=cid)
        for cr in (self.cr_a, self.cr_b, self.cr_c, self.cr_d):
            self.assertNotFound(cr.get_collaboration, "COLLABORATION", collaborationIdentifier=cid)
            self.assertNotIn(cid, [s["id"] for s in
                                   cr.list_collaborations()["collaborationList"]])
        for acct, cr in ((self.A, self.cr_a), (self.B, self.cr_b)):
            m = cr.get_membership(membershipIdentifier=mids[acct])["membership"]
            self.assertEqual(m["status"], "COLLABORATION_DELETED")
            self.assertIn(mids[acct], [s["id"] for s in cr.list_memberships(
                status="COLLABORATION_DELETED")["membershipSummaries"]])
            self.assertNotIn(mids[acct], [s["id"] for s in cr.list_memberships(
                status="ACTIVE")["membershipSummaries"]])
        # A's configured table is A's and outlives the collaboration.
        self.assertEqual(self.cr_a.get_configured_table(
            configuredTableIdentifier=ta["id"])["configuredTable"]["id"], ta["id"])
        # A leftover membership can be deleted by its owner.
        self.cr_a.delete_membership(membershipIdentifier=mids[self.A])
        self.assertNotFound(self.cr_a.get_membership, "MEMBERSHIP",
                            membershipIdentifier=mids[self.A])


if __name__ == "__main__":
    unittest.main()
