#!/usr/bin/env bash
# The "Privacy-Preserving Analytics with Clean Rooms" recipe, steps Preparation and 1-7, as one
# script against a cleanroom server, then its validation checks.
#
# Run it with credentials for one account of the server and the endpoint in AWS_ENDPOINT_URL:
#   AWS_ENDPOINT_URL=http://127.0.0.1:8080 AWS_PROFILE=analytics examples/aws-recipe/recipe.sh
# Everything the recipe creates gets a random suffix, so the script can run again.
#
# The commands are the recipe's own. Where the recipe would fail on real AWS as well, the
# smallest correction is made, marked "CORRECTION" with the reason. The `sleep`s only wait for
# asynchronous work; here they are replaced by polling, which is what they stand for.
set -euo pipefail

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# Polls `$@` (a command printing a status) until it prints one of the words in $want.
wait_for() {
  local want="$1"
  shift
  for _ in $(seq 1 600); do
    local status
    status="$("$@")"
    for w in $want; do [ "$status" = "$w" ] && return 0; done
    sleep 0.2
  done
  echo "timed out waiting for: $*" >&2
  return 1
}

# AWS CLIs before 1.29 / 2.13 ignore AWS_ENDPOINT_URL; pass it on every call for them.
if [ -n "${AWS_ENDPOINT_URL:-}" ]; then
  aws() { command aws --endpoint-url "${AWS_ENDPOINT_URL}" "$@"; }
fi

# ----- Preparation ---------------------------------------------------------------------------
export AWS_REGION=$(aws configure get region || true)
# CORRECTION: a profile without a region makes every later `--region ${AWS_REGION}` fail.
export AWS_REGION=${AWS_REGION:-us-east-1}
export AWS_ACCOUNT_ID=$(aws sts get-caller-identity \
    --query Account --output text)

RANDOM_SUFFIX=$(aws secretsmanager get-random-password \
    --exclude-punctuation --exclude-uppercase \
    --password-length 6 --require-each-included-type \
    --output text --query RandomPassword)

export CLEAN_ROOMS_NAME="analytics-collaboration-${RANDOM_SUFFIX}"
export S3_BUCKET_ORG_A="clean-rooms-data-a-${RANDOM_SUFFIX}"
export S3_BUCKET_ORG_B="clean-rooms-data-b-${RANDOM_SUFFIX}"
export GLUE_DATABASE="clean_rooms_analytics_${RANDOM_SUFFIX//-/_}"

aws s3 mb s3://${S3_BUCKET_ORG_A} --region ${AWS_REGION}
aws s3 mb s3://${S3_BUCKET_ORG_B} --region ${AWS_REGION}
# CORRECTION (all three put-bucket-encryption calls): the recipe's shorthand
# {ApplyServerSideEncryptionByDefault:{SSEAlgorithm:AES256}} uses ':' where the AWS CLI's
# shorthand syntax needs '=', so the CLI refuses it ("Error parsing parameter") before sending.
aws s3api put-bucket-versioning \
    --bucket ${S3_BUCKET_ORG_A} \
    --versioning-configuration Status=Enabled
aws s3api put-bucket-encryption \
    --bucket ${S3_BUCKET_ORG_A} \
    --server-side-encryption-configuration \
    'Rules=[{ApplyServerSideEncryptionByDefault={SSEAlgorithm=AES256}}]'
aws s3api put-bucket-versioning \
    --bucket ${S3_BUCKET_ORG_B} \
    --versioning-configuration Status=Enabled
aws s3api put-bucket-encryption \
    --bucket ${S3_BUCKET_ORG_B} \
    --server-side-encryption-configuration \
    'Rules=[{ApplyServerSideEncryptionByDefault={SSEAlgorithm=AES256}}]'

# ----- 1. Sample datasets --------------------------------------------------------------------
cat > customer_data_org_a.csv << 'EOF'
customer_id,age_group,region,purchase_amount,product_category,registration_date
1001,25-34,east,250.00,electronics,2023-01-15
1002,35-44,west,180.50,clothing,2023-02-20
1003,45-54,central,320.75,home,2023-01-10
1004,25-34,east,95.25,books,2023-03-05
1005,55-64,west,450.00,electronics,2023-02-28
1006,25-34,central,180.00,electronics,2023-01-25
1007,35-44,east,275.50,clothing,2023-02-15
1008,45-54,west,395.25,home,2023-03-01
1009,25-34,central,125.75,books,2023-02-10
1010,55-64,east,520.00,electronics,2023-03-12
EOF
cat > customer_data_org_b.csv << 'EOF'
customer_id,age_group,region,engagement_score,channel_preference,last_interaction
2001,25-34,east,85,email,2023-03-15
2002,35-44,west,72,social,2023-03-20
2003,45-54,central,91,email,2023-03-10
2004,25-34,east,68,mobile,2023-03-25
2005,55-64,west,88,email,2023-03-18
2006,25-34,central,76,mobile,2023-03-08
2007,35-44,east,82,email,2023-03-22
2008,45-54,west,94,social,2023-03-05
2009,25-34,central,69,mobile,2023-03-14
2010,55-64,east,87,email,2023-03-20
EOF
aws s3 cp customer_data_org_a.csv s3://${S3_BUCKET_ORG_A}/data/
aws s3 cp customer_data_org_b.csv s3://${S3_BUCKET_ORG_B}/data/

# ----- 2. IAM roles --------------------------------------------------------------------------
# CORRECTION: role and policy names get the suffix: IAM names are unique per account, so the
# recipe's fixed names fail with EntityAlreadyExists the second time it runs.
CLEAN_ROOMS_ROLE="CleanRoomsAnalyticsRole-${RANDOM_SUFFIX}"
GLUE_ROLE="GlueCleanRoomsRole-${RANDOM_SUFFIX}"
S3_POLICY="CleanRoomsS3Access-${RANDOM_SUFFIX}"
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
    --role-name ${CLEAN_ROOMS_ROLE} \
    --assume-role-policy-document file://clean-rooms-trust-policy.json > /dev/null
aws iam attach-role-policy \
    --role-name ${CLEAN_ROOMS_ROLE} \
    --policy-arn arn:aws:iam::aws:policy/service-role/AWSCleanRoomsService
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
    --policy-name ${S3_POLICY} \
    --policy-document file://clean-rooms-s3-policy.json > /dev/null
aws iam attach-role-policy \
    --role-name ${CLEAN_ROOMS_ROLE} \
    --policy-arn arn:aws:iam::${AWS_ACCOUNT_ID}:policy/${S3_POLICY}
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
    --role-name ${GLUE_ROLE} \
    --assume-role-policy-document file://glue-trust-policy.json > /dev/null
aws iam attach-role-policy \
    --role-name ${GLUE_ROLE} \
    --policy-arn arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole
aws iam attach-role-policy \
    --role-name ${GLUE_ROLE} \
    --policy-arn arn:aws:iam::${AWS_ACCOUNT_ID}:policy/${S3_POLICY}

# ----- 3. Glue database and crawlers ---------------------------------------------------------
aws glue create-database \
    --database-input "{\"Name\":\"${GLUE_DATABASE}\", \
    \"Description\":\"Clean Rooms analytics database for privacy-preserving collaboration\"}"
# CORRECTION: both crawlers crawl a folder named data/, and a crawler names a table after its
# folder, so both would write one table "data". A table prefix per organization keeps them apart
# and gives the names step 5 looks for.
aws glue create-crawler \
    --name "crawler-org-a-${RANDOM_SUFFIX}" \
    --role "arn:aws:iam::${AWS_ACCOUNT_ID}:role/${GLUE_ROLE}" \
    --database-name "${GLUE_DATABASE}" \
    --table-prefix "customer_data_org_a_" \
    --description "Crawler for Organization A customer data" \
    --targets "{\"S3Targets\": [{\"Path\": \"s3://${S3_BUCKET_ORG_A}/data/\"}]}"
aws glue create-crawler \
    --name "crawler-org-b-${RANDOM_SUFFIX}" \
    --role "arn:aws:iam::${AWS_ACCOUNT_ID}:role/${GLUE_ROLE}" \
    --database-name "${GLUE_DATABASE}" \
    --table-prefix "customer_data_org_b_" \
    --description "Crawler for Organization B customer data" \
    --targets "{\"S3Targets\": [{\"Path\": \"s3://${S3_BUCKET_ORG_B}/data/\"}]}"
aws glue start-crawler --name "crawler-org-a-${RANDOM_SUFFIX}"
aws glue start-crawler --name "crawler-org-b-${RANDOM_SUFFIX}"
# (the recipe's `sleep 60`)
wait_for READY aws glue get-crawler --name "crawler-org-a-${RANDOM_SUFFIX}" --query Crawler.State --output text
wait_for READY aws glue get-crawler --name "crawler-org-b-${RANDOM_SUFFIX}" --query Crawler.State --output text

# ----- 4. Collaboration and membership -------------------------------------------------------
aws cleanrooms create-collaboration \
    --name "${CLEAN_ROOMS_NAME}" \
    --description "Privacy-preserving analytics collaboration for cross-organizational insights" \
    --creator-member-abilities "CAN_QUERY" "CAN_RECEIVE_RESULTS" \
    --creator-display-name "Analytics Lead" \
    --query-log-status "ENABLED" \
    --analytics-engine "SPARK" \
    --data-encryption-metadata preserveNulls=true,allowCleartext=false,allowDuplicates=false,allowJoinsOnColumnsWithDifferentNames=false \
    --members [] > /dev/null
# (the recipe's `sleep 15`)
COLLABORATION_ID=$(aws cleanrooms list-collaborations \
    --query "collaborationList[?name=='${CLEAN_ROOMS_NAME}'].id" \
    --output text)
aws cleanrooms create-membership \
    --collaboration-identifier "${COLLABORATION_ID}" \
    --query-log-status "ENABLED" > /dev/null
MEMBERSHIP_ID=$(aws cleanrooms list-memberships \
    --query "membershipSummaries[?collaborationName=='${CLEAN_ROOMS_NAME}'].id" \
    --output text)
echo "Collaboration ${COLLABORATION_ID}, membership ${MEMBERSHIP_ID}"

# ----- 5. Configured tables ------------------------------------------------------------------
# (the recipe's `sleep 90`: the crawls have finished)
ORG_A_TABLE=$(aws glue get-tables \
    --database-name "${GLUE_DATABASE}" \
    --query "TableList[?contains(Name, 'customer_data_org_a')].Name" \
    --output text)
ORG_B_TABLE=$(aws glue get-tables \
    --database-name "${GLUE_DATABASE}" \
    --query "TableList[?contains(Name, 'customer_data_org_b')].Name" \
    --output text)
echo "Found tables: ${ORG_A_TABLE}, ${ORG_B_TABLE}"
# CORRECTION: configured table names get the suffix; they are unique per account.
aws cleanrooms create-configured-table \
    --name "org-a-customers-${RANDOM_SUFFIX}" \
    --description "Organization A customer data for privacy-preserving analytics" \
    --table-reference glue="{tableName=${ORG_A_TABLE},databaseName=${GLUE_DATABASE}}" \
    --allowed-columns "age_group" "region" "product_category" "purchase_amount" \
    --analysis-method "DIRECT_QUERY" > /dev/null
aws cleanrooms create-configured-table \
    --name "org-b-customers-${RANDOM_SUFFIX}" \
    --description "Organization B customer data for privacy-preserving analytics" \
    --table-reference glue="{tableName=${ORG_B_TABLE},databaseName=${GLUE_DATABASE}}" \
    --allowed-columns "age_group" "region" "channel_preference" "engagement_score" \
    --analysis-method "DIRECT_QUERY" > /dev/null

# ----- 6. Associations -----------------------------------------------------------------------
ORG_A_TABLE_ID=$(aws cleanrooms list-configured-tables \
    --query "configuredTableSummaries[?name=='org-a-customers-${RANDOM_SUFFIX}'].id" \
    --output text)
ORG_B_TABLE_ID=$(aws cleanrooms list-configured-tables \
    --query "configuredTableSummaries[?name=='org-b-customers-${RANDOM_SUFFIX}'].id" \
    --output text)
# CORRECTION: the recipe never adds an analysis rule, and a table without one cannot be
# queried (its schema stays NOT_READY, ANALYSIS_RULE_MISSING). The step 7 query joins on and
# groups by the same columns, which an AGGREGATION rule forbids (join columns are never
# grouped), so each table gets a CUSTOM rule that lets this account run ad-hoc queries.
for table_id in ${ORG_A_TABLE_ID} ${ORG_B_TABLE_ID}; do
  aws cleanrooms create-configured-table-analysis-rule \
      --configured-table-identifier "${table_id}" \
      --analysis-rule-type CUSTOM \
      --analysis-rule-policy "{\"v1\":{\"custom\":{\"allowedAnalyses\":[\"ANY_QUERY\"],\"allowedAnalysisProviders\":[\"${AWS_ACCOUNT_ID}\"]}}}" > /dev/null
done
aws cleanrooms create-configured-table-association \
    --name "org-a-association" \
    --description "Association for Organization A data with privacy controls" \
    --membership-identifier "${MEMBERSHIP_ID}" \
    --configured-table-identifier "${ORG_A_TABLE_ID}" \
    --role-arn "arn:aws:iam::${AWS_ACCOUNT_ID}:role/${CLEAN_ROOMS_ROLE}" > /dev/null
aws cleanrooms create-configured-table-association \
    --name "org-b-association" \
    --description "Association for Organization B data with privacy controls" \
    --membership-identifier "${MEMBERSHIP_ID}" \
    --configured-table-identifier "${ORG_B_TABLE_ID}" \
    --role-arn "arn:aws:iam::${AWS_ACCOUNT_ID}:role/${CLEAN_ROOMS_ROLE}" > /dev/null

# ----- 7. The privacy-preserving query -------------------------------------------------------
export RESULTS_BUCKET="clean-rooms-results-${RANDOM_SUFFIX}"
aws s3 mb s3://${RESULTS_BUCKET} --region ${AWS_REGION}
aws s3api put-bucket-encryption \
    --bucket ${RESULTS_BUCKET} \
    --server-side-encryption-configuration \
    'Rules=[{ApplyServerSideEncryptionByDefault={SSEAlgorithm=AES256}}]'
# CORRECTION: tables are named by their association names ("org-a-association", quoted for its
# hyphens), not org_a_customers; and age_group and region, present in both tables, must be
# qualified, or the query is ambiguous.
cat > privacy_query.sql << 'EOF'
SELECT 
    a.age_group,
    a.region,
    COUNT(*) as customer_count,
    AVG(purchase_amount) as avg_purchase_amount,
    AVG(engagement_score) as avg_engagement_score
FROM "org-a-association" a
INNER JOIN "org-b-association" b 
    ON a.age_group = b.age_group 
    AND a.region = b.region
GROUP BY a.age_group, a.region
HAVING COUNT(*) >= 3
EOF
# CORRECTION: the query has commas, so the shorthand queryString=... is split into a list by the
# CLI ("Invalid type for parameter sqlParameters.queryString"); the JSON form is used instead.
# And the response is {"protectedQuery": {"id": ...}}: --query "protectedQueryId" prints None.
SQL_PARAMETERS=$(python3 -c 'import json, sys; print(json.dumps({"queryString": sys.stdin.read().replace("\n", " ")}))' < privacy_query.sql)
QUERY_ID=$(aws cleanrooms start-protected-query \
    --type "SQL" \
    --membership-identifier "${MEMBERSHIP_ID}" \
    --sql-parameters "${SQL_PARAMETERS}" \
    --result-configuration outputConfiguration="{s3={resultFormat=CSV,bucket=${RESULTS_BUCKET},keyPrefix=query-results/}}" \
    --query "protectedQuery.id" --output text)
echo "Protected query ${QUERY_ID} started"
# (the recipe's `sleep 180`)
wait_for "SUCCESS FAILED CANCELLED TIMED_OUT" aws cleanrooms get-protected-query \
    --membership-identifier "${MEMBERSHIP_ID}" \
    --protected-query-identifier "${QUERY_ID}" \
    --query "protectedQuery.status" --output text

# ----- Validation & Testing ------------------------------------------------------------------
aws cleanrooms get-protected-query \
    --membership-identifier "${MEMBERSHIP_ID}" \
    --protected-query-identifier "${QUERY_ID}" \
    --query "protectedQuery.[status,result.output.s3.location,error.message]" --output text
aws s3 ls s3://${RESULTS_BUCKET}/query-results/ --recursive
RESULT_LOCATION=$(aws cleanrooms get-protected-query \
    --membership-identifier "${MEMBERSHIP_ID}" \
    --protected-query-identifier "${QUERY_ID}" \
    --query "protectedQuery.result.output.s3.location" --output text)
# The result itself, as CSV.
for key in $(aws s3api list-objects-v2 --bucket "${RESULTS_BUCKET}" \
    --prefix "${RESULT_LOCATION#s3://${RESULTS_BUCKET}/}" --query "Contents[].Key" --output text); do
  aws s3 cp "s3://${RESULTS_BUCKET}/${key}" -
done

cat > recipe-outputs.env << EOF
COLLABORATION_ID=${COLLABORATION_ID}
MEMBERSHIP_ID=${MEMBERSHIP_ID}
QUERY_ID=${QUERY_ID}
RESULTS_BUCKET=${RESULTS_BUCKET}
RESULT_LOCATION=${RESULT_LOCATION}
RANDOM_SUFFIX=${RANDOM_SUFFIX}
EOF
if [ -n "${RECIPE_OUTPUTS:-}" ]; then cp recipe-outputs.env "${RECIPE_OUTPUTS}"; fi
