"""The recipe's Clean Rooms steps 4-6, its "Verify Clean Rooms Collaboration Status" check and
its Clean Rooms cleanup, with bash and the real AWS CLI, after the preparation and steps 1-3
(test_glue_crawl / test_iam hold their text). boto3 then checks everything the steps made, and
that the cleanup left nothing behind.

Two recipe pitfalls are worked around, and nothing else is changed:
- Crawled tables are named after their folder (`data`, `data_<hex>`), so step 5's
  `get-tables --query "TableList[?contains(Name, 'customer_data_org_a')]"` would find nothing.
  Step 3's crawlers are therefore given a table prefix (`--table-prefix customer_data_org_a_` /
  `customer_data_org_b_`), which makes steps 4-6 work as written.
- The cleanup deletes the associations by *name* (`--configured-table-association-identifier
  "org-a-association"`), which the AWS CLI refuses before sending anything (identifiers are
  36-character UUIDs). The test shows that, then runs the cleanup with the two association IDs
  looked up by name in their place.
The recipe's `sleep`s are removed: nothing here is asynchronous.
"""

import os
import secrets
import unittest

import harness
from harness import ServerTestCase
from cleanrooms_support import UUID_RE, column_map, is_timestamp
from test_glue_crawl import RECIPE_PREPARATION_AND_STEP_1, RECIPE_STEP_3
from test_iam import RECIPE_STEP_2, json_objects
from test_s3_recipe import ORG_A_CSV, ORG_B_CSV


def _with_table_prefixes(step_3):
    """Step 3 with `--table-prefix` given to each crawler (see the module docstring)."""
    out = step_3
    for org in ("A", "B"):
        line = f'       --description "Crawler for Organization {org} customer data" \\\n'
        assert out.count(line) == 1, f"step 3 text changed: no unique {line!r}"
        out = out.replace(line, line + f"       --table-prefix customer_data_org_{org.lower()}_ \\\n")
    return out


RECIPE_STEP_3_WITH_TABLE_PREFIXES = _with_table_prefixes(RECIPE_STEP_3)

# Step 4 as written; its `sleep 15` is removed.
RECIPE_STEP_4 = r"""
   # Create Clean Rooms collaboration with updated CLI syntax
   aws cleanrooms create-collaboration \
       --name "${CLEAN_ROOMS_NAME}" \
       --description "Privacy-preserving analytics collaboration for cross-organizational insights" \
       --creator-member-abilities "CAN_QUERY" "CAN_RECEIVE_RESULTS" \
       --creator-display-name "Analytics Lead" \
       --query-log-status "ENABLED" \
       --analytics-engine "SPARK" \
       --data-encryption-metadata preserveNulls=true,allowCleartext=false,allowDuplicates=false,allowJoinsOnColumnsWithDifferentNames=false \
       --members []
   
   # Wait for collaboration creation to complete
   # (the recipe's `sleep 15`: nothing to wait for)
   
   # Store collaboration ID for later use
   COLLABORATION_ID=$(aws cleanrooms list-collaborations \
       --query "collaborationList[?name=='${CLEAN_ROOMS_NAME}'].id" \
       --output text)
   
   # Create membership to join the collaboration
   aws cleanrooms create-membership \
       --collaboration-identifier "${COLLABORATION_ID}" \
       --query-log-status "ENABLED"
   
   # Get membership ID
   MEMBERSHIP_ID=$(aws cleanrooms list-memberships \
       --query "membershipSummaries[?collaborationName=='${CLEAN_ROOMS_NAME}'].id" \
       --output text)
   
   echo "✅ Clean Rooms collaboration created: ${COLLABORATION_ID}"
   echo "✅ Membership created: ${MEMBERSHIP_ID}"
"""

# Step 5 as written; its `sleep 90` and `sleep 60` are removed.
RECIPE_STEP_5 = r"""
   # Wait for Glue crawlers to complete and verify tables exist
   echo "Verifying Glue table discovery completion..."
   # (the recipe's `sleep 90`: the crawls finished in step 3)
   
   # Get table names from Glue catalog
   ORG_A_TABLE=$(aws glue get-tables \
       --database-name "${GLUE_DATABASE}" \
       --query "TableList[?contains(Name, 'customer_data_org_a')].Name" \
       --output text)
   
   ORG_B_TABLE=$(aws glue get-tables \
       --database-name "${GLUE_DATABASE}" \
       --query "TableList[?contains(Name, 'customer_data_org_b')].Name" \
       --output text)
   
   # Verify tables were discovered
   if [[ -z "$ORG_A_TABLE" || -z "$ORG_B_TABLE" ]]; then
       echo "❌ Tables not found. Waiting for crawler completion..."
       # (the recipe's `sleep 60`)
       # Retry table discovery
       ORG_A_TABLE=$(aws glue get-tables \
           --database-name "${GLUE_DATABASE}" \
           --query "TableList[?contains(Name, 'customer_data_org_a')].Name" \
           --output text)
       ORG_B_TABLE=$(aws glue get-tables \
           --database-name "${GLUE_DATABASE}" \
           --query "TableList[?contains(Name, 'customer_data_org_b')].Name" \
           --output text)
   fi
   
   echo "Found tables: ${ORG_A_TABLE}, ${ORG_B_TABLE}"
   
   # Configure table for Organization A
   aws cleanrooms create-configured-table \
       --name "org-a-customers" \
       --description "Organization A customer data for privacy-preserving analytics" \
       --table-reference glue="{tableName=${ORG_A_TABLE},databaseName=${GLUE_DATABASE}}" \
       --allowed-columns "age_group" "region" "product_category" "purchase_amount" \
       --analysis-method "DIRECT_QUERY"
   
   # Configure table for Organization B  
   aws cleanrooms create-configured-table \
       --name "org-b-customers" \
       --description "Organization B customer data for privacy-preserving analytics" \
       --table-reference glue="{tableName=${ORG_B_TABLE},databaseName=${GLUE_DATABASE}}" \
       --allowed-columns "age_group" "region" "channel_preference" "engagement_score" \
       --analysis-method "DIRECT_QUERY"
   
   echo "✅ Configured tables created in Clean Rooms"
"""

# Step 6 as written.
RECIPE_STEP_6 = r"""
   # Get configured table IDs
   ORG_A_TABLE_ID=$(aws cleanrooms list-configured-tables \
       --query "configuredTableSummaries[?name=='org-a-customers'].id" \
       --output text)
   
   ORG_B_TABLE_ID=$(aws cleanrooms list-configured-tables \
       --query "configuredTableSummaries[?name=='org-b-customers'].id" \
       --output text)
   
   # Create table associations
   aws cleanrooms create-configured-table-association \
       --name "org-a-association" \
       --description "Association for Organization A data with privacy controls" \
       --membership-identifier "${MEMBERSHIP_ID}" \
       --configured-table-identifier "${ORG_A_TABLE_ID}" \
       --role-arn "arn:aws:iam::${AWS_ACCOUNT_ID}:role/CleanRoomsAnalyticsRole"
   
   aws cleanrooms create-configured-table-association \
       --name "org-b-association" \
       --description "Association for Organization B data with privacy controls" \
       --membership-identifier "${MEMBERSHIP_ID}" \
       --configured-table-identifier "${ORG_B_TABLE_ID}" \
       --role-arn "arn:aws:iam::${AWS_ACCOUNT_ID}:role/CleanRoomsAnalyticsRole"
   
   echo "✅ Tables associated with Clean Rooms collaboration"
"""

# Hands the shell variables of steps 4-6 to the test.
SAVE_VARIABLES = r"""
cat > recipe-variables.env << EOF
COLLABORATION_ID=${COLLABORATION_ID}
MEMBERSHIP_ID=${MEMBERSHIP_ID}
ORG_A_TABLE=${ORG_A_TABLE}
ORG_B_TABLE=${ORG_B_TABLE}
ORG_A_TABLE_ID=${ORG_A_TABLE_ID}
ORG_B_TABLE_ID=${ORG_B_TABLE_ID}
EOF
"""

# "Validation & Testing", 1. Verify Clean Rooms Collaboration Status, as written.
RECIPE_VERIFY_COLLABORATION = r"""
   # Check collaboration configuration
   aws cleanrooms get-collaboration \
       --collaboration-identifier "${COLLABORATION_ID}"
   
   # Verify membership status
   aws cleanrooms get-membership \
       --membership-identifier "${MEMBERSHIP_ID}"
   
   # Verify table associations
   aws cleanrooms list-configured-table-associations \
       --membership-identifier "${MEMBERSHIP_ID}"
"""

# "Cleanup", 2. Remove Clean Rooms Configuration, as written.
RECIPE_CLEANUP_CLEAN_ROOMS = r"""
   # Delete configured table associations
   aws cleanrooms delete-configured-table-association \
       --configured-table-association-identifier "org-a-association" \
       --membership-identifier "${MEMBERSHIP_ID}"
   
   aws cleanrooms delete-configured-table-association \
       --configured-table-association-identifier "org-b-association" \
       --membership-identifier "${MEMBERSHIP_ID}"
   
   # Delete configured tables
   aws cleanrooms delete-configured-table \
       --configured-table-identifier "${ORG_A_TABLE_ID}"
   
   aws cleanrooms delete-configured-table \
       --configured-table-identifier "${ORG_B_TABLE_ID}"
   
   # Delete membership
   aws cleanrooms delete-membership \
       --membership-identifier "${MEMBERSHIP_ID}"
   
   # Delete collaboration
   aws cleanrooms delete-collaboration \
       --collaboration-identifier "${COLLABORATION_ID}"
   
   echo "✅ Clean Rooms resources deleted"
"""

# The association IDs, looked up by the names the cleanup uses.
LOOK_UP_ASSOCIATION_IDS = r"""
ORG_A_ASSOCIATION_ID=$(aws cleanrooms list-configured-table-associations \
    --membership-identifier "${MEMBERSHIP_ID}" \
    --query "configuredTableAssociationSummaries[?name=='org-a-association'].id" --output text)
ORG_B_ASSOCIATION_ID=$(aws cleanrooms list-configured-table-associations \
    --membership-identifier "${MEMBERSHIP_ID}" \
    --query "configuredTableAssociationSummaries[?name=='org-b-association'].id" --output text)
"""


def _cleanup_by_association_id(cleanup):
    out = cleanup
    for org in ("a", "b"):
        name = f'"org-{org}-association"'
        assert out.count(name) == 1, f"cleanup text changed: no unique {name}"
        out = out.replace(name, f'"${{ORG_{org.upper()}_ASSOCIATION_ID}}"')
    return out


RECIPE_CLEANUP_CLEAN_ROOMS_BY_ID = _cleanup_by_association_id(RECIPE_CLEANUP_CLEAN_ROOMS)


class RecipeCleanRoomsTest(ServerTestCase):
    """Steps 4-6 of the recipe, its collaboration check and its Clean Rooms cleanup."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acct = cls.server.create_account()
        cls.work = os.path.join(cls.tmp, "recipe")
        os.makedirs(cls.work)
        for name, text in (("customer_data_org_a.csv", ORG_A_CSV),
                           ("customer_data_org_b.csv", ORG_B_CSV)):
            with open(os.path.join(cls.work, name), "w") as f:
                f.write(text)

    def exports(self, suffix, variables=None):
        text = (f"export AWS_REGION={harness.REGION}\nexport RANDOM_SUFFIX={suffix}\n"
                'export CLEAN_ROOMS_NAME="analytics-collaboration-${RANDOM_SUFFIX}"\n'
                'export S3_BUCKET_ORG_A="clean-rooms-data-a-${RANDOM_SUFFIX}"\n'
                'export S3_BUCKET_ORG_B="clean-rooms-data-b-${RANDOM_SUFFIX}"\n'
                'export GLUE_DATABASE="clean_rooms_analytics_${RANDOM_SUFFIX//-/_}"\n'
                'export QUICKSIGHT_ANALYSIS="privacy-analytics-${RANDOM_SUFFIX}"\n'
                f"export AWS_ACCOUNT_ID={self.acct.account_id}\n")
        for key, value in (variables or {}).items():
            self.assertRegex(value, r"^[A-Za-z0-9_-]+$")
            text += f"export {key}={value}\n"
        return text

    def read_variables(self):
        out = {}
        with open(os.path.join(self.work, "recipe-variables.env")) as f:
            for line in f:
                key, _, value = line.strip().partition("=")
                out[key] = value
        return out

    def test_steps_4_to_6_then_cleanup(self):
        acct = self.acct.account_id
        suffix = secrets.token_hex(3)
        name = f"analytics-collaboration-{suffix}"
        database = f"clean_rooms_analytics_{suffix}"

        # ----- preparation and steps 1-6, as one bash script ------------------------------------
        res = harness.run_bash_with_aws(
            self.server, self.acct,
            self.exports(suffix) + RECIPE_PREPARATION_AND_STEP_1 + RECIPE_STEP_2
            + RECIPE_STEP_3_WITH_TABLE_PREFIXES + RECIPE_STEP_4 + RECIPE_STEP_5 + RECIPE_STEP_6
            + SAVE_VARIABLES, self.work)
        v = self.read_variables()
        cid, mid = v["COLLABORATION_ID"], v["MEMBERSHIP_ID"]
        self.assertRegex(cid, f"^{UUID_RE}$")
        self.assertRegex(mid, f"^{UUID_RE}$")
        self.assertEqual(v["ORG_A_TABLE"], "customer_data_org_a_data")
        self.assertEqual(v["ORG_B_TABLE"], "customer_data_org_b_data")
        self.assertRegex(v["ORG_A_TABLE_ID"], f"^{UUID_RE}$")
        self.assertRegex(v["ORG_B_TABLE_ID"], f"^{UUID_RE}$")
        self.assertNotEqual(v["ORG_A_TABLE_ID"], v["ORG_B_TABLE_ID"])
        self.assertIn(f"✅ Clean Rooms collaboration created: {cid}\n", res.stdout)
        self.assertIn(f"✅ Membership created: {mid}\n", res.stdout)
        self.assertIn("Found tables: customer_data_org_a_data, customer_data_org_b_data\n",
                      res.stdout)
        self.assertNotIn("❌ Tables not found", res.stdout)
        self.assertIn("✅ Configured tables created in Clean Rooms", res.stdout)
        self.assertIn("✅ Tables associated with Clean Rooms collaboration", res.stdout)
        printed = json_objects(res.stdout)
        created = [o["collaboration"] for o in printed if "collaboration" in o]
        self.assertEqual([c["id"] for c in created], [cid])
        # The CLI prints timestamps as the epoch-second numbers it received.
        self.assertIsInstance(created[0]["createTime"], (int, float))
        self.assertEqual([o["membership"]["id"] for o in printed if "membership" in o], [mid])
        self.assertEqual(sorted(o["configuredTable"]["id"] for o in printed
                                if "configuredTable" in o),
                         sorted([v["ORG_A_TABLE_ID"], v["ORG_B_TABLE_ID"]]))
        self.assertEqual(len([o for o in printed if "configuredTableAssociation" in o]), 2)

        # ----- the recipe's "Verify Clean Rooms Collaboration Status" -------------------------
        res = harness.run_bash_with_aws(
            self.server, self.acct, self.exports(suffix, v) + RECIPE_VERIFY_COLLABORATION,
            self.work)
        collaboration, membership, associations = json_objects(res.stdout)
        self.assertEqual(collaboration["collaboration"]["id"], cid)
        self.assertEqual(collaboration["collaboration"]["memberStatus"], "ACTIVE")
        self.assertIsInstance(collaboration["collaboration"]["updateTime"], (int, float))
        self.assertEqual(membership["membership"]["status"], "ACTIVE")
        self.assertEqual(sorted(a["name"] for a in
                                associations["configuredTableAssociationSummaries"]),
                         ["org-a-association", "org-b-association"])

        # ----- what the steps made, through boto3 ---------------------------------------------
        cr = self.server.client("cleanrooms", self.acct)
        c = cr.get_collaboration(collaborationIdentifier=cid)["collaboration"]
        self.assertEqual(c["id"], cid)
        self.assertEqual(c["arn"], f"arn:aws:cleanrooms:us-east-1:{acct}:collaboration/{cid}")
        self.assertEqual(c["name"], name)
        self.assertEqual(c["description"],
                         "Privacy-preserving analytics collaboration for cross-organizational "
                         "insights")
        self.assertEqual(c["creatorAccountId"], acct)
        self.assertEqual(c["creatorDisplayName"], "Analytics Lead")
        self.assertEqual(c["memberStatus"], "ACTIVE")
        self.assertEqual(c["membershipId"], mid)
        self.assertEqual(c["membershipArn"], f"arn:aws:cleanrooms:us-east-1:{acct}:membership/{mid}")
        self.assertEqual(c["queryLogStatus"], "ENABLED")
        self.assertEqual(c["analyticsEngine"], "SPARK")
        self.assertEqual(c["dataEncryptionMetadata"], {
            "preserveNulls": True, "allowCleartext": False, "allowDuplicates": False,
            "allowJoinsOnColumnsWithDifferentNames": False})
        self.assertTrue(is_timestamp(c["createTime"]) and is_timestamp(c["updateTime"]))

        members = cr.list_members(collaborationIdentifier=cid)["memberSummaries"]
        self.assertEqual(len(members), 1, members)
        self.assertEqual(members[0]["accountId"], acct)
        self.assertEqual(members[0]["displayName"], "Analytics Lead")
        self.assertEqual(sorted(members[0]["abilities"]), ["CAN_QUERY", "CAN_RECEIVE_RESULTS"])
        self.assertEqual(members[0]["status"], "ACTIVE")
        self.assertEqual(members[0]["membershipId"], mid)
        self.assertIsInstance(members[0]["paymentConfiguration"]["queryCompute"]["isResponsible"],
                              bool)

        m = cr.get_membership(membershipIdentifier=mid)["membership"]
        self.assertEqual(m["arn"], f"arn:aws:cleanrooms:us-east-1:{acct}:membership/{mid}")
        self.assertEqual(m["collaborationId"], cid)
        self.assertEqual(m["collaborationArn"], c["arn"])
        self.assertEqual(m["collaborationName"], name)
        self.assertEqual(m["collaborationCreatorAccountId"], acct)
        self.assertEqual(m["collaborationCreatorDisplayName"], "Analytics Lead")
        self.assertEqual(m["status"], "ACTIVE")
        self.assertEqual(sorted(m["memberAbilities"]), ["CAN_QUERY", "CAN_RECEIVE_RESULTS"])
        self.assertEqual(m["queryLogStatus"], "ENABLED")
        self.assertIsInstance(m["paymentConfiguration"]["queryCompute"]["isResponsible"], bool)
        summaries = [s for s in cr.list_memberships()["membershipSummaries"] if s["id"] == mid]
        self.assertEqual(len(summaries), 1)
        self.assertEqual(summaries[0]["collaborationName"], name)

        expected_tables = {
            v["ORG_A_TABLE_ID"]: ("org-a-customers", "customer_data_org_a_data",
                                  ["age_group", "region", "product_category", "purchase_amount"],
                                  "Organization A customer data for privacy-preserving analytics"),
            v["ORG_B_TABLE_ID"]: ("org-b-customers", "customer_data_org_b_data",
                                  ["age_group", "region", "channel_preference",
                                   "engagement_score"],
                                  "Organization B customer data for privacy-preserving analytics"),
        }
        listed = cr.list_configured_tables()["configuredTableSummaries"]
        self.assertEqual({t["id"]: t["name"] for t in listed},
                         {k: e[0] for k, e in expected_tables.items()})
        for tid, (tname, glue_table, columns, description) in expected_tables.items():
            t = cr.get_configured_table(configuredTableIdentifier=tid)["configuredTable"]
            self.assertEqual(t["arn"], f"arn:aws:cleanrooms:us-east-1:{acct}:configuredtable/{tid}")
            self.assertEqual(t["name"], tname)
            self.assertEqual(t["description"], description)
            self.assertEqual(t["tableReference"]["glue"]["tableName"], glue_table)
            self.assertEqual(t["tableReference"]["glue"]["databaseName"], database)
            self.assertEqual(t["allowedColumns"], columns)
            self.assertEqual(t["analysisMethod"], "DIRECT_QUERY")
            self.assertEqual(t["analysisRuleTypes"], [])

        ctas = cr.list_configured_table_associations(
            membershipIdentifier=mid)["configuredTableAssociationSummaries"]
        by_name = {a["name"]: a for a in ctas}
        self.assertEqual(sorted(by_name), ["org-a-association", "org-b-association"])
        role = f"arn:aws:iam::{acct}:role/CleanRoomsAnalyticsRole"
        for cta_name, tid in (("org-a-association", v["ORG_A_TABLE_ID"]),
                              ("org-b-association", v["ORG_B_TABLE_ID"])):
            cta_id = by_name[cta_name]["id"]
            a = cr.get_configured_table_association(
                membershipIdentifier=mid,
                configuredTableAssociationIdentifier=cta_id)["configuredTableAssociation"]
            self.assertEqual(a["arn"], f"arn:aws:cleanrooms:us-east-1:{acct}:"
                                       f"membership/{mid}/configuredtableassociation/{cta_id}")
            self.assertEqual(a["name"], cta_name)
            self.assertEqual(a["configuredTableId"], tid)
            self.assertEqual(a["configuredTableArn"],
                             f"arn:aws:cleanrooms:us-east-1:{acct}:configuredtable/{tid}")
            self.assertEqual(a["membershipId"], mid)
            self.assertEqual(a["membershipArn"], m["arn"])
            self.assertEqual(a["roleArn"], role)
            self.assertEqual(a["description"],
                             f"Association for Organization {cta_name[4].upper()} data with "
                             "privacy controls")

        schemas = cr.list_schemas(collaborationIdentifier=cid)["schemaSummaries"]
        self.assertEqual(sorted(s["name"] for s in schemas),
                         ["org-a-association", "org-b-association"])
        expected_columns = {
            "org-a-association": {"age_group": "string", "region": "string",
                                  "product_category": "string", "purchase_amount": "double"},
            "org-b-association": {"age_group": "string", "region": "string",
                                  "channel_preference": "string", "engagement_score": "bigint"},
        }
        for schema_name, columns in expected_columns.items():
            s = cr.get_schema(collaborationIdentifier=cid, name=schema_name)["schema"]
            self.assertEqual(s["name"], schema_name)
            self.assertEqual(s["collaborationId"], cid)
            self.assertEqual(s["collaborationArn"], c["arn"])
            self.assertEqual(s["creatorAccountId"], acct)
            self.assertEqual(s["type"], "TABLE")
            self.assertEqual(s["analysisRuleTypes"], [])
            self.assertEqual(column_map(s["columns"]), columns)
            # No analysis rule was ever added (a recipe gap): nothing can query these tables.
            details = s["schemaStatusDetails"]
            self.assertTrue(details, s)
            for d in details:
                self.assertEqual(d["status"], "NOT_READY", d)
                self.assertIn("ANALYSIS_RULE_MISSING", [r["code"] for r in d.get("reasons", [])])
        batch = cr.batch_get_schema(collaborationIdentifier=cid,
                                    names=["org-a-association", "org-b-association"])
        self.assertEqual(sorted(s["name"] for s in batch["schemas"]),
                         ["org-a-association", "org-b-association"])
        self.assertEqual(batch["errors"], [])

        # ----- cleanup ------------------------------------------------------------------------
        # As written, the association deletes pass a name, which the CLI itself refuses.
        refused = self.server.aws(
            self.acct, "cleanrooms", "delete-configured-table-association",
            "--configured-table-association-identifier", "org-a-association",
            "--membership-identifier", mid, check=False, cwd=self.work)
        self.assertEqual(refused.returncode, 255, refused)
        self.assertIn("Invalid length for parameter configuredTableAssociationIdentifier",
                      refused.stderr)
        self.assertEqual(len(cr.list_configured_table_associations(
            membershipIdentifier=mid)["configuredTableAssociationSummaries"]), 2)

        res = harness.run_bash_with_aws(
            self.server, self.acct,
            self.exports(suffix, v) + LOOK_UP_ASSOCIATION_IDS + RECIPE_CLEANUP_CLEAN_ROOMS_BY_ID,
            self.work)
        self.assertIn("✅ Clean Rooms resources deleted", res.stdout)
        # The deletes print nothing (204); only the final echo remains.
        self.assertEqual(res.stdout.strip(), "✅ Clean Rooms resources deleted")

        # ----- nothing is left ----------------------------------------------------------------
        def not_found(fn, resource_type, **kwargs):
            e = self.assertClientError(fn, "ResourceNotFoundException", 404, **kwargs)
            self.assertEqual(e.response.get("resourceType"), resource_type,
                             e.response)

        not_found(cr.get_collaboration, "COLLABORATION", collaborationIdentifier=cid)
        not_found(cr.list_schemas, "COLLABORATION", collaborationIdentifier=cid)
        not_found(cr.get_membership, "MEMBERSHIP", membershipIdentifier=mid)
        not_found(cr.list_configured_table_associations, "MEMBERSHIP", membershipIdentifier=mid)
        for tid in expected_tables:
            not_found(cr.get_configured_table, "CONFIGURED_TABLE", configuredTableIdentifier=tid)
        self.assertEqual(cr.list_configured_tables()["configuredTableSummaries"], [])
        self.assertEqual(cr.list_collaborations()["collaborationList"], [])
        self.assertNotIn(mid, [s["id"] for s in cr.list_memberships()["membershipSummaries"]])
        # Through the recipe's own lookup, as the CLI would run it again.
        again = self.server.aws(self.acct, "cleanrooms", "list-collaborations", "--query",
                                f"collaborationList[?name=='{name}'].id", "--output", "text",
                                cwd=self.work)
        self.assertEqual(again.stdout.strip(), "")


if __name__ == "__main__":
    unittest.main()
