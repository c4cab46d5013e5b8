// cleanroom: the command-line tool. `cleanroom admin ...` manages accounts and access keys on
// a running cleanroomd through its administration API (SigV4-signed, administrators only);
// `cleanroom events` reads the Clean Rooms audit trail with an account's own credentials.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/admin_client.h"

namespace {

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cleanroom: administration and tools for a cleanroomd server"};
  app.require_subcommand(1);
  std::string data_dir, endpoint, credentials_file;
  app.add_option("--data-dir", data_dir,
                 "Server data dir: reads <dir>/endpoint and <dir>/admin-credentials");
  app.add_option("--endpoint", endpoint, "Server URL, e.g. http://127.0.0.1:8080");
  app.add_option("--credentials-file", credentials_file,
                 "AWS credentials file with the administrator key ([default] profile)");

  CLI::App* admin = app.add_subcommand("admin", "Manage accounts and access keys");
  admin->require_subcommand(1);
  CLI::App* account = admin->add_subcommand("account", "Accounts");
  account->require_subcommand(1);
  std::string name;
  CLI::App* account_create =
      account->add_subcommand("create", "Create an account and its first key");
  account_create->add_option("--name", name, "Account name")->required();
  CLI::App* account_list = account->add_subcommand("list", "List accounts");

  CLI::App* key = admin->add_subcommand("key", "Access keys");
  key->require_subcommand(1);
  std::string account_id, access_key_id;
  CLI::App* key_create = key->add_subcommand("create", "Create an access key for an account");
  key_create->add_option("--account-id", account_id, "12-digit account ID")->required();
  CLI::App* key_list = key->add_subcommand("list", "List access keys (never secrets)");
  key_list->add_option("--account-id", account_id, "Only this account's keys");
  CLI::App* key_disable = key->add_subcommand("disable", "Disable an access key");
  key_disable->add_option("--access-key-id", access_key_id, "Access key ID")->required();
  CLI::App* key_enable = key->add_subcommand("enable", "Re-enable an access key");
  key_enable->add_option("--access-key-id", access_key_id, "Access key ID")->required();
  CLI::App* key_delete = key->add_subcommand("delete", "Delete an access key");
  key_delete->add_option("--access-key-id", access_key_id, "Access key ID")->required();

  CLI::App* events = app.add_subcommand(
      "events",
      "Clean Rooms audit trail: a collaboration's changes visible to the caller, or "
      "(without --collaboration-id) the caller's own configured-table changes");
  std::string collaboration_id;
  events->add_option("--collaboration-id", collaboration_id, "Collaboration ID");

  CLI11_PARSE(app, argc, argv);

  if (!data_dir.empty()) {
    if (endpoint.empty()) endpoint = ReadFirstLine(data_dir + "/endpoint");
    if (credentials_file.empty()) credentials_file = data_dir + "/admin-credentials";
  }
  if (endpoint.empty()) {
    const char* env = std::getenv("CLEANROOM_ENDPOINT");
    endpoint = env ? env : "http://127.0.0.1:8080";
  }
  absl::StatusOr<cleanroom::cli::Credentials> creds =
      cleanroom::cli::LoadCredentials(credentials_file);
  if (!creds.ok()) {
    std::fprintf(stderr, "cleanroom: %s\n", std::string(creds.status().message()).c_str());
    return 2;
  }
  auto client =
      cleanroom::cli::AdminClient::Create(endpoint, *creds, *events ? "cleanrooms" : "cleanroom");
  if (!client.ok()) {
    std::fprintf(stderr, "cleanroom: %s\n", std::string(client.status().message()).c_str());
    return 2;
  }
  absl::StatusOr<nlohmann::json> result = absl::InternalError("no command");
  if (*account_create) {
    result = client->Call("POST", "/admin/accounts", {{"Name", name}});
  } else if (*account_list) {
    result = client->Call("GET", "/admin/accounts", nullptr);
  } else if (*key_create) {
    result = client->Call("POST", "/admin/access-keys", {{"AccountId", account_id}});
  } else if (*key_list) {
    std::string path = "/admin/access-keys";
    if (!account_id.empty()) path += "?accountId=" + account_id;
    result = client->Call("GET", path, nullptr);
  } else if (*key_disable || *key_enable) {
    result = client->Call("PATCH", "/admin/access-keys/" + access_key_id,
                          {{"Status", *key_disable ? "Inactive" : "Active"}});
  } else if (*key_delete) {
    result = client->Call("DELETE", "/admin/access-keys/" + access_key_id, nullptr);
  } else if (*events) {
    // Follows nextToken until the end and prints every event.
    std::string base =
        collaboration_id.empty() ? "/events" : "/collaborations/" + collaboration_id + "/events";
    nlohmann::json all = nlohmann::json::array();
    std::string token;
    for (;;) {
      result = client->Call("GET", token.empty() ? base : base + "?nextToken=" + token, nullptr);
      if (!result.ok()) break;
      for (const nlohmann::json& e : (*result)["events"]) all.push_back(e);
      if (!result->contains("nextToken")) break;
      token = (*result)["nextToken"].get<std::string>();
    }
    if (result.ok()) result = nlohmann::json{{"events", all}};
  }
  if (!result.ok()) {
    std::fprintf(stderr, "cleanroom: %s\n", std::string(result.status().message()).c_str());
    return 1;
  }
  std::printf("%s\n", result->dump(4).c_str());
  return 0;
}
