#include "store/schema.h"

namespace cleanroom::store {

const std::vector<std::string>& SchemaMigrations() {
  static const std::vector<std::string>* migrations = new std::vector<std::string>{
      // 1: accounts, access keys, S3 buckets, objects and multipart uploads.
      R"sql(
CREATE TABLE accounts (
  account_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  is_admin INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE access_keys (
  access_key_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  wrapped_secret BLOB NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX access_keys_by_account ON access_keys(account_id);
CREATE TABLE buckets (
  name TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  region TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  versioning TEXT NOT NULL DEFAULT '',
  sse_algorithm TEXT NOT NULL DEFAULT '',
  encryption_xml TEXT
);
CREATE INDEX buckets_by_account ON buckets(account_id);
CREATE TABLE objects (
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  version_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  is_latest INTEGER NOT NULL,
  is_delete_marker INTEGER NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  content_type TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  checksums TEXT NOT NULL DEFAULT '{}',
  sse TEXT NOT NULL DEFAULT '',
  parts TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (bucket, key, version_id)
);
CREATE INDEX objects_latest ON objects(bucket, is_latest, key);
CREATE INDEX objects_versions ON objects(bucket, key, seq);
CREATE TABLE multipart_uploads (
  upload_id TEXT PRIMARY KEY,
  bucket TEXT NOT NULL REFERENCES buckets(name),
  key TEXT NOT NULL,
  initiated INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  content_type TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  sse TEXT NOT NULL DEFAULT '',
  checksum_algorithm TEXT NOT NULL DEFAULT ''
);
CREATE INDEX uploads_by_bucket ON multipart_uploads(bucket, key);
CREATE TABLE upload_parts (
  upload_id TEXT NOT NULL REFERENCES multipart_uploads(upload_id),
  part_number INTEGER NOT NULL,
  blob_id TEXT NOT NULL,
  size INTEGER NOT NULL,
  etag TEXT NOT NULL,
  checksum TEXT,
  last_modified INTEGER NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
)sql",
      // 2: IAM roles, customer managed policies and their versions, role attachments and inline
      // role policies. Names are unique per account case-insensitively (name_key = lower-case).
      // AWS managed policies live in code (iam/aws_managed_policies.h); an attachment of one has
      // no policy_id.
      R"sql(
CREATE TABLE iam_roles (
  role_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  trust_policy TEXT NOT NULL,
  description TEXT,
  max_session_duration INTEGER NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  UNIQUE (account_id, name_key)
);
CREATE TABLE iam_policies (
  policy_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(account_id),
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  description TEXT,
  default_version INTEGER NOT NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (account_id, name_key)
);
CREATE TABLE iam_policy_versions (
  policy_id TEXT NOT NULL REFERENCES iam_policies(policy_id),
  version INTEGER NOT NULL,
  document TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (policy_id, version)
);
CREATE TABLE iam_role_attachments (
  role_id TEXT NOT NULL REFERENCES iam_roles(role_id),
  policy_arn TEXT NOT NULL,
  policy_id TEXT REFERENCES iam_policies(policy_id),
  attached_at INTEGER NOT NULL,
  PRIMARY KEY (role_id, policy_arn)
);
CREATE INDEX iam_role_attachments_by_policy ON iam_role_attachments(policy_id);
CREATE INDEX iam_role_attachments_by_arn ON iam_role_attachments(policy_arn);
CREATE TABLE iam_role_inline_policies (
  role_id TEXT NOT NULL REFERENCES iam_roles(role_id),
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (role_id, name_key)
);
)sql",
      // 3: the Glue Data Catalog: databases, tables, partitions, crawlers and their crawls.
      R"sql(
CREATE TABLE glue_databases (
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  input TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (account_id, name)
);
CREATE TABLE glue_tables (
  account_id TEXT NOT NULL,
  database_name TEXT NOT NULL,
  name TEXT NOT NULL,
  location TEXT NOT NULL,
  input TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  update_time INTEGER NOT NULL,
  version INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  crawler_name TEXT,
  PRIMARY KEY (account_id, database_name, name),
  FOREIGN KEY (account_id, database_name) REFERENCES glue_databases(account_id, name)
    ON DELETE CASCADE
);
CREATE INDEX glue_tables_by_location ON glue_tables(account_id, database_name, location);
CREATE TABLE glue_partitions (
  account_id TEXT NOT NULL,
  database_name TEXT NOT NULL,
  table_name TEXT NOT NULL,
  partition_values TEXT NOT NULL,
  input TEXT NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (account_id, database_name, table_name, partition_values),
  FOREIGN KEY (account_id, database_name, table_name)
    REFERENCES glue_tables(account_id, database_name, name) ON DELETE CASCADE
);
CREATE TABLE glue_crawlers (
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  definition TEXT NOT NULL,
  role_arn TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '{}',
  state TEXT NOT NULL,
  version INTEGER NOT NULL,
  creation_time INTEGER NOT NULL,
  last_updated INTEGER NOT NULL,
  run_id TEXT,
  run_start_time INTEGER,
  last_crawl TEXT,
  PRIMARY KEY (account_id, name)
);
CREATE TABLE glue_crawl_runs (
  account_id TEXT NOT NULL,
  crawler_name TEXT NOT NULL,
  run_id TEXT NOT NULL,
  start_time INTEGER NOT NULL,
  end_time INTEGER NOT NULL,
  status TEXT NOT NULL,
  error_message TEXT,
  messages TEXT NOT NULL DEFAULT '[]',
  tables_created INTEGER NOT NULL DEFAULT 0,
  tables_updated INTEGER NOT NULL DEFAULT 0,
  tables_deleted INTEGER NOT NULL DEFAULT 0,
  partitions_created INTEGER NOT NULL DEFAULT 0,
  partitions_updated INTEGER NOT NULL DEFAULT 0,
  partitions_deleted INTEGER NOT NULL DEFAULT 0,
  files_read INTEGER NOT NULL DEFAULT 0,
  bytes_read INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, crawler_name, run_id)
);
CREATE INDEX glue_crawl_runs_by_end ON glue_crawl_runs(account_id, crawler_name, end_time);
)sql",
      // 4: the Clean Rooms control plane. Every resource (collaboration, member, membership,
      // configured table and its rule, association and its rule, analysis template) is one row
      // of cr_resources: the keys the service looks resources up by, plus the rest of its
      // state as a JSON document. Tags and the audit trail have their own tables.
      R"sql(
CREATE TABLE cr_resources (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  collaboration_id TEXT NOT NULL DEFAULT '',
  membership_id TEXT NOT NULL DEFAULT '',
  parent_id TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL,
  update_time_ms INTEGER NOT NULL,
  doc TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (kind, id)
);
CREATE INDEX cr_resources_by_account ON cr_resources(kind, account_id);
CREATE INDEX cr_resources_by_collaboration ON cr_resources(kind, collaboration_id);
CREATE INDEX cr_resources_by_membership ON cr_resources(kind, membership_id);
CREATE INDEX cr_resources_by_parent ON cr_resources(kind, parent_id);
CREATE TABLE cr_tags (
  resource_arn TEXT NOT NULL,
  tag_key TEXT NOT NULL,
  tag_value TEXT NOT NULL,
  PRIMARY KEY (resource_arn, tag_key)
);
CREATE TABLE cr_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  account_id TEXT NOT NULL,
  collaboration_id TEXT NOT NULL DEFAULT '',
  shared INTEGER NOT NULL,
  operation TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX cr_events_by_collaboration ON cr_events(collaboration_id, seq);
CREATE INDEX cr_events_by_account ON cr_events(account_id, seq);
)sql",
      // 5: CloudWatch Logs. Groups per account, streams per group, events per stream; an event's
      // seq is its store-wide sequence number (AUTOINCREMENT, so never reused) and orders events
      // of equal timestamp. Events carry their group so a group can be searched by time.
      R"sql(
CREATE TABLE log_groups (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  creation_time_ms INTEGER NOT NULL,
  log_group_class TEXT NOT NULL DEFAULT 'STANDARD',
  deletion_protection INTEGER NOT NULL DEFAULT 0,
  tags TEXT NOT NULL DEFAULT '{}',
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  UNIQUE (account_id, name)
);
CREATE TABLE log_streams (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id INTEGER NOT NULL REFERENCES log_groups(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  creation_time_ms INTEGER NOT NULL,
  first_event_ms INTEGER,
  last_event_ms INTEGER,
  last_ingestion_ms INTEGER,
  last_seq INTEGER NOT NULL DEFAULT 0,
  stored_bytes INTEGER NOT NULL DEFAULT 0,
  UNIQUE (group_id, name)
);
CREATE INDEX log_streams_by_last_event ON log_streams(group_id, last_event_ms, name);
CREATE TABLE log_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  group_id INTEGER NOT NULL,
  stream_id INTEGER NOT NULL REFERENCES log_streams(id) ON DELETE CASCADE,
  timestamp_ms INTEGER NOT NULL,
  ingestion_ms INTEGER NOT NULL,
  message TEXT NOT NULL
);
CREATE INDEX log_events_by_stream ON log_events(stream_id, timestamp_ms, seq);
CREATE INDEX log_events_by_group ON log_events(group_id, timestamp_ms, seq);
)sql",
      // 6: the Clean Rooms differential-privacy budget ledger. cr_budget_ledger holds the cost
      // units spent per collaboration and period ('YYYY-MM', a UTC calendar month, when the
      // budget refreshes monthly; 'LIFETIME' otherwise), counted in units of the
      // usersNoisePerQuery they were last written at (one unit spends rho = 1/(2 N^2)).
      // cr_budget_charges has one row per query charged: its units, the N they are counted in,
      // and its state (RESERVED, COMMITTED or REFUNDED).
      R"sql(
CREATE TABLE cr_budget_ledger (
  collaboration_id TEXT NOT NULL,
  period TEXT NOT NULL,
  consumed_units INTEGER NOT NULL,
  users_noise INTEGER NOT NULL,
  update_time_ms INTEGER NOT NULL,
  PRIMARY KEY (collaboration_id, period)
);
CREATE TABLE cr_budget_charges (
  query_id TEXT PRIMARY KEY,
  collaboration_id TEXT NOT NULL,
  period TEXT NOT NULL,
  units INTEGER NOT NULL,
  users_noise INTEGER NOT NULL,
  status TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  create_time_ms INTEGER NOT NULL,
  update_time_ms INTEGER NOT NULL
);
CREATE INDEX cr_budget_charges_by_status ON cr_budget_charges(status, collaboration_id);
)sql",
  };
  return *migrations;
}

}  // namespace cleanroom::store
