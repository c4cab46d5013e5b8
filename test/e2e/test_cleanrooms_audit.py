"""The Clean Rooms audit trail: every change is recorded with who, when and what, each member
reads the events of its collaborations (through `cleanroom events`, signed with its own
credentials), account-private changes stay with their account, and the trail survives a
restart."""

import json
import os

import cleanrooms_support as support
from harness import ServerTestCase
from test_s3_recipe import ORG_A_CSV


class AuditTrailTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.creator = cls.server.create_account()
        cls.owner = cls.server.create_account()
        cls.outsider = cls.server.create_account()
        cls.org = support.provision_org(cls.server, cls.owner, "audit", ORG_A_CSV,
                                        support.ORG_A_COLUMNS)

    def events(self, account, collaboration_id=None, check=True):
        creds = self.server.write_credentials_file(account, self.tmp)
        args = ["events"]
        if collaboration_id:
            args += ["--collaboration-id", collaboration_id]
        res = self.server.run_cli(*args, credentials_file=creds, check=check)
        if not check:
            return res
        return json.loads(res.stdout)["events"]

    def test_members_see_shared_events_and_owners_their_own(self):
        cr_c = self.server.client("cleanrooms", self.creator)
        cr_o = self.server.client("cleanrooms", self.owner)
        collab = cr_c.create_collaboration(
            name="audited", description="d", creatorDisplayName="Analyst",
            creatorMemberAbilities=["CAN_QUERY", "CAN_RECEIVE_RESULTS"],
            members=[{"accountId": self.owner.account_id, "memberAbilities": [],
                      "displayName": "Owner"}],
            queryLogStatus="ENABLED")["collaboration"]
        cid = collab["id"]
        cr_c.create_membership(collaborationIdentifier=cid, queryLogStatus="ENABLED")
        mid = cr_o.create_membership(collaborationIdentifier=cid,
                                     queryLogStatus="DISABLED")["membership"]["id"]
        table = cr_o.create_configured_table(
            name="t", tableReference=self.org.glue_reference(),
            allowedColumns=["customer_id", "age_group", "region"],
            analysisMethod="DIRECT_QUERY")["configuredTable"]
        cr_o.create_configured_table_analysis_rule(
            configuredTableIdentifier=table["id"], analysisRuleType="LIST",
            analysisRulePolicy={"v1": {"list": {"joinColumns": ["customer_id"],
                                                "listColumns": ["age_group", "region"]}}})
        cta = cr_o.create_configured_table_association(
            name="audit_t", membershipIdentifier=mid, configuredTableIdentifier=table["id"],
            roleArn=self.org.role_arn)["configuredTableAssociation"]
        cr_o.delete_configured_table_association(membershipIdentifier=mid,
                                                 configuredTableAssociationIdentifier=cta["id"])

        # The creator sees everything that happened in the collaboration, in order, with who
        # did it, and not the owner's account-private configured-table changes.
        seen = self.events(self.creator, cid)
        ops = [(e["operation"], e["accountId"]) for e in seen]
        self.assertEqual(ops, [
            ("CreateCollaboration", self.creator.account_id),
            ("CreateMembership", self.creator.account_id),
            ("CreateMembership", self.owner.account_id),
            ("CreateConfiguredTableAssociation", self.owner.account_id),
            ("DeleteConfiguredTableAssociation", self.owner.account_id),
        ])
        self.assertEqual(seen[3]["details"], {"name": "audit_t"})
        self.assertEqual(seen[3]["resourceId"], cta["id"])
        self.assertTrue(all(isinstance(e["eventTime"], (int, float)) for e in seen))
        # The association's role and configured table are the owner's business.
        self.assertNotIn(self.org.role_arn, json.dumps(seen))
        self.assertNotIn(table["id"], json.dumps(seen))

        # The owner sees the same collaboration events...
        self.assertEqual([e["operation"] for e in self.events(self.owner, cid)],
                         [op for op, _ in ops])
        # ...and, privately, its configured table's history, which the creator cannot read.
        own = self.events(self.owner)
        self.assertEqual([e["operation"] for e in own],
                         ["CreateConfiguredTable", "CreateConfiguredTableAnalysisRule"])
        self.assertEqual(own[0]["details"]["allowedColumns"],
                         ["customer_id", "age_group", "region"])
        self.assertEqual(self.events(self.creator), [])

        # An account outside the collaboration learns nothing, not even that it exists.
        res = self.events(self.outsider, cid, check=False)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("ResourceNotFoundException", res.stderr)
        unknown = support.random_id()
        other = self.events(self.outsider, unknown, check=False)
        self.assertEqual(res.stderr.replace(cid, "X"), other.stderr.replace(unknown, "X"))

        # The trail is durable.
        self.server.restart()
        self.assertEqual([e["operation"] for e in self.events(self.creator, cid)],
                         [op for op, _ in ops])

if __name__ == "__main__":
    import unittest
    unittest.main()
