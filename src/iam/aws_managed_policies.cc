#include "iam/aws_managed_policies.h"

#include "iam/iam_names.h"

namespace cleanroom::iam {
namespace {

// What a Glue service role needs, as AWS's AWSGlueServiceRole grants it: all of Glue; bucket
// discovery on every bucket; object access in buckets and folders named aws-glue-*; reads of
// the public crawler samples; its CloudWatch log groups under /aws-glue/; and the EC2 calls
// Glue makes for jobs and connections in a VPC.
constexpr char kGlueServiceRole[] = R"({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "glue:*",
                "s3:GetBucketLocation",
                "s3:ListBucket",
                "s3:ListAllMyBuckets",
                "s3:GetBucketAcl",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeRouteTables",
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcAttribute",
                "iam:ListRolePolicies",
                "iam:GetRole",
                "iam:GetRolePolicy",
                "cloudwatch:PutMetricData"
            ],
            "Resource": [
                "*"
            ]
        },
        {
            "Effect": "Allow",
            "Action": [
                "s3:CreateBucket"
            ],
            "Resource": [
                "arn:aws:s3:::aws-glue-*"
            ]
        },
        {
            "Effect": "Allow",
            "Action": [
                "s3:GetObject",
                "s3:PutObject",
                "s3:DeleteObject"
            ],
            "Resource": [
                "arn:aws:s3:::aws-glue-*/*",
                "arn:aws:s3:::*/*aws-glue-*/*"
            ]
        },
        {
            "Effect": "Allow",
            "Action": [
                "s3:GetObject"
            ],
            "Resource": [
                "arn:aws:s3:::crawler-public*",
                "arn:aws:s3:::aws-glue-*"
            ]
        },
        {
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents"
            ],
            "Resource": [
                "arn:aws:logs:*:*:*:/aws-glue/*"
            ]
        },
        {
            "Effect": "Allow",
            "Action": [
                "ec2:CreateTags",
                "ec2:DeleteTags"
            ],
            "Condition": {
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": [
                        "aws-glue-service-resource"
                    ]
                }
            },
            "Resource": [
                "arn:aws:ec2:*:*:network-interface/*",
                "arn:aws:ec2:*:*:security-group/*",
                "arn:aws:ec2:*:*:instance/*"
            ]
        }
    ]
})";

// What a Clean Rooms service role needs in this product to read the Glue Data Catalog
// metadata of configured tables. It grants no S3 access: the data itself must be granted by a
// customer managed policy (the recipe's CleanRoomsS3Access).
constexpr char kCleanRoomsService[] = R"({
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadGlueDataCatalogMetadata",
            "Effect": "Allow",
            "Action": [
                "glue:GetDatabase",
                "glue:GetDatabases",
                "glue:GetTable",
                "glue:GetTables",
                "glue:GetTableVersion",
                "glue:GetTableVersions",
                "glue:GetPartition",
                "glue:GetPartitions",
                "glue:BatchGetPartition",
                "glue:GetSchema",
                "glue:GetSchemaVersion"
            ],
            "Resource": "*"
        }
    ]
})";

AwsManagedPolicy Make(const char* name, const char* path, const char* id, const char* description,
                      const char* document, int64_t created_at) {
  return AwsManagedPolicy{name,     path,      PolicyArn(kAwsAccount, path, name), id, description,
                          document, created_at};
}

}  // namespace

const std::vector<AwsManagedPolicy>& AwsManagedPolicies() {
  static const std::vector<AwsManagedPolicy>* policies = new std::vector<AwsManagedPolicy>{
      Make("AWSCleanRoomsService", "/service-role/", "ANPACLEANROOMSSERVICE",
           "Allows a Clean Rooms service role to read Glue Data Catalog metadata "
           "(databases, tables, partitions, schemas). Grants no access to data in S3.",
           kCleanRoomsService, 1700000000),
      Make("AWSGlueServiceRole", "/service-role/", "ANPAGLUESERVICEROLEV1",
           "Policy for AWS Glue service role which allows access to related services including "
           "EC2, S3, and Cloudwatch Logs",
           kGlueServiceRole, 1700000000),
  };
  return *policies;
}

const AwsManagedPolicy* FindAwsManagedPolicy(const std::string& arn) {
  for (const AwsManagedPolicy& p : AwsManagedPolicies()) {
    if (p.arn == arn) return &p;
  }
  return nullptr;
}

}  // namespace cleanroom::iam
