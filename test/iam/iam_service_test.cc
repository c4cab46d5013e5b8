#include "iam/iam_service.h"

#include <regex>
#include <string>

#include "common/encoding.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "iam_test_env.h"

namespace cleanroom::iam {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class IamServiceTest : public IamTestEnv {
 protected:
  void SetUp() override {
    IamTestEnv::SetUp();
    service_ = std::make_unique<IamService>(store_.get());
  }
  void TearDown() override {
    service_.reset();
    IamTestEnv::TearDown();
  }

  // Sends Action=<action> with form-encoded `params` as `account`.
  http::Response Call(const std::string& account, const std::string& action,
                      const std::vector<std::pair<std::string, std::string>>& params = {}) {
    std::string body = "Action=" + action + "&Version=2010-05-08";
    for (const auto& [k, v] : params) body += "&" + UriEncode(k) + "=" + UriEncode(v);
    http::Request req;
    req.method = "POST";
    req.path = "/";
    protocol::CallContext ctx{req, "rid", "us-east-1", {}, body, "", std::nullopt, ""};
    ctx.caller.account_id = account;
    ctx.caller.arn = "arn:aws:iam::" + account + ":root";
    return service_->Handle(ctx);
  }

  // The unescaped text of the first <name> element of `body`, or "".
  static std::string Tag(const std::string& body, const std::string& name) {
    std::smatch m;
    if (!std::regex_search(body, m, std::regex("<" + name + ">([^<]*)</" + name + ">"))) return "";
    std::string text = m[1], out;
    for (size_t i = 0; i < text.size(); ++i) {
      bool replaced = false;
      for (const auto& [entity, c] : {std::pair<std::string, char>{"&amp;", '&'},
                                      {"&lt;", '<'},
                                      {"&gt;", '>'},
                                      {"&quot;", '"'},
                                      {"&apos;", '\''}}) {
        if (text.compare(i, entity.size(), entity) == 0) {
          out.push_back(c);
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
      if (!replaced) out.push_back(text[i]);
    }
    return out;
  }

  std::unique_ptr<IamService> service_;
};

TEST_F(IamServiceTest, CreateRoleRendersTheRoleWithTheDocumentUrlEncoded) {
  http::Response resp = Call(a_, "CreateRole",
                             {{"RoleName", "CleanRoomsAnalyticsRole"},
                              {"AssumeRolePolicyDocument", kTrustCleanRooms},
                              {"Description", "Clean Rooms & Glue <role>"}});
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(resp.headers.Get("content-type"), "text/xml");
  EXPECT_THAT(resp.body, HasSubstr("<CreateRoleResponse xmlns=\"https://iam.amazonaws.com/doc/"
                                   "2010-05-08/\"><CreateRoleResult><Role><Path>/</Path>"
                                   "<RoleName>CleanRoomsAnalyticsRole</RoleName><RoleId>AROA"));
  EXPECT_EQ(Tag(resp.body, "Arn"), "arn:aws:iam::" + a_ + ":role/CleanRoomsAnalyticsRole");
  EXPECT_EQ(Tag(resp.body, "CreateDate"), "2023-11-14T22:13:20Z");
  std::string encoded = Tag(resp.body, "AssumeRolePolicyDocument");
  EXPECT_EQ(UriDecode(encoded).value_or(""), kTrustCleanRooms);
  EXPECT_THAT(encoded, Not(HasSubstr("{")));
  EXPECT_THAT(encoded, Not(HasSubstr(" ")));
  EXPECT_THAT(encoded, Not(HasSubstr("+")));
  EXPECT_THAT(resp.body,
              HasSubstr("<Description>Clean Rooms &amp; Glue &lt;role&gt;</Description>"));
  EXPECT_EQ(Tag(resp.body, "MaxSessionDuration"), "3600");
}

TEST_F(IamServiceTest, GetRoleIncludesTagsAndRoleLastUsed) {
  ASSERT_EQ(Call(a_, "CreateRole",
                 {{"RoleName", "R"},
                  {"AssumeRolePolicyDocument", kTrustGlue},
                  {"Path", "/svc/"},
                  {"MaxSessionDuration", "7200"},
                  {"Tags.member.1.Key", "team"},
                  {"Tags.member.1.Value", "analytics"}})
                .status,
            200);
  http::Response resp = Call(a_, "GetRole", {{"RoleName", "r"}});
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_EQ(Tag(resp.body, "RoleName"), "R");
  EXPECT_EQ(Tag(resp.body, "Path"), "/svc/");
  EXPECT_EQ(Tag(resp.body, "MaxSessionDuration"), "7200");
  EXPECT_THAT(resp.body, HasSubstr("<Tags><member><Key>team</Key><Value>analytics</Value>"
                                   "</member></Tags><RoleLastUsed/>"));
}

TEST_F(IamServiceTest, ValidationErrorsListEveryViolationLikeIam) {
  http::Response resp =
      Call(a_, "CreateRole", {{"RoleName", "bad name!"}, {"MaxSessionDuration", "60"}});
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(Tag(resp.body, "Code"), "ValidationError");
  EXPECT_EQ(Tag(resp.body, "Type"), "Sender");
  EXPECT_EQ(Tag(resp.body, "Message"),
            "3 validation errors detected: Value 'bad name!' at 'roleName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; Value "
            "null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be "
            "null; Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must "
            "have value greater than or equal to 3600");
}

TEST_F(IamServiceTest, ModelConstraintsOnEachShape) {
  const std::string long_name(65, 'r');
  struct Case {
    std::string action;
    std::vector<std::pair<std::string, std::string>> params;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"GetRole", {{"RoleName", long_name}}, "Member must have length less than or equal to 64"},
      {"GetRole", {{"RoleName", ""}}, "Member must have length greater than or equal to 1"},
      {"CreateRole",
       {{"RoleName", "R"}, {"AssumeRolePolicyDocument", kTrustGlue}, {"Path", "no-slashes"}},
       "at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern"},
      {"CreatePolicy",
       {{"PolicyName", "P"}, {"PolicyDocument", kCleanRoomsS3Access}, {"Path", "/a//b/"}},
       "at 'path'"},
      {"CreatePolicy",
       {{"PolicyName", "P"}, {"PolicyDocument", std::string("{\"a\": \"\xe2\x82\xac\"}")}},
       "at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression "
       "pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"},
      {"GetPolicy",
       {{"PolicyArn", "arn:short"}},
       "Member must have length greater than or equal to 20"},
      {"GetPolicyVersion",
       {{"PolicyArn", kGlueServiceRoleArn}, {"VersionId", "1"}},
       "at 'versionId'"},
      {"ListPolicies",
       {{"Scope", "Everything"}},
       "Member must satisfy enum value set: [All, AWS, Local]"},
      {"ListPolicies", {{"OnlyAttached", "yes"}}, "at 'onlyAttached'"},
      {"ListRoles", {{"MaxItems", "0"}}, "Member must have value greater than or equal to 1"},
      {"ListRoles", {{"MaxItems", "1001"}}, "Member must have value less than or equal to 1000"},
      {"ListRoles", {{"PathPrefix", "svc"}}, "at 'pathPrefix'"},
      {"CreateRole",
       {{"RoleName", "R"},
        {"AssumeRolePolicyDocument", kTrustGlue},
        {"Tags.member.1.Key", "bad#key"},
        {"Tags.member.1.Value", "v"}},
       "at 'tags.1.member.key'"},
  };
  for (const Case& c : cases) {
    http::Response resp = Call(a_, c.action, c.params);
    EXPECT_EQ(resp.status, 400) << c.action << " " << c.message_part;
    EXPECT_EQ(Tag(resp.body, "Code"), "ValidationError") << resp.body;
    EXPECT_THAT(Tag(resp.body, "Message"), HasSubstr(c.message_part)) << c.action;
  }
}

TEST_F(IamServiceTest, IamErrorCodesAndStatuses) {
  ASSERT_EQ(
      Call(a_, "CreateRole", {{"RoleName", "R"}, {"AssumeRolePolicyDocument", kTrustGlue}}).status,
      200);
  struct Case {
    std::string action;
    std::vector<std::pair<std::string, std::string>> params;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"GetRole", {{"RoleName", "Missing"}}, 404, "NoSuchEntity"},
      {"CreateRole",
       {{"RoleName", "r"}, {"AssumeRolePolicyDocument", kTrustGlue}},
       409,
       "EntityAlreadyExists"},
      {"CreateRole",
       {{"RoleName", "X"}, {"AssumeRolePolicyDocument", "not json"}},
       400,
       "MalformedPolicyDocument"},
      {"CreatePolicy",
       {{"PolicyName", "P"}, {"PolicyDocument", kTrustGlue}},
       400,
       "MalformedPolicyDocument"},
      {"GetPolicy", {{"PolicyArn", "arn:aws:s3:::some-bucket-name"}}, 400, "InvalidInput"},
      {"CreateRole",
       {{"RoleName", "Y"},
        {"AssumeRolePolicyDocument", kTrustGlue},
        {"PermissionsBoundary", kGlueServiceRoleArn}},
       400,
       "InvalidInput"},
      {"CreateRole",
       {{"RoleName", "Z"},
        {"AssumeRolePolicyDocument", kTrustGlue},
        {"Tags.member.1.Key", "k"},
        {"Tags.member.1.Value", "1"},
        {"Tags.member.2.Key", "K"},
        {"Tags.member.2.Value", "2"}},
       400,
       "InvalidInput"},
      {"DeletePolicy", {{"PolicyArn", kGlueServiceRoleArn}}, 403, "AccessDenied"},
      {"AttachRolePolicy", {{"RoleName", "R"}, {"PolicyArn", kGlueServiceRoleArn}}, 200, ""},
      {"DeleteRole", {{"RoleName", "R"}}, 409, "DeleteConflict"},
      {"NoSuchAction", {}, 400, "InvalidAction"},
  };
  for (const Case& c : cases) {
    http::Response resp = Call(a_, c.action, c.params);
    EXPECT_EQ(resp.status, c.status) << c.action << ": " << resp.body;
    if (!c.code.empty()) {
      EXPECT_EQ(Tag(resp.body, "Code"), c.code) << c.action;
    }
  }
}

TEST_F(IamServiceTest, PolicyOperationsRenderAwsShapes) {
  http::Response created =
      Call(a_, "CreatePolicy",
           {{"PolicyName", "CleanRoomsS3Access"}, {"PolicyDocument", kCleanRoomsS3Access}});
  ASSERT_EQ(created.status, 200) << created.body;
  const std::string arn = "arn:aws:iam::" + a_ + ":policy/CleanRoomsS3Access";
  EXPECT_EQ(Tag(created.body, "Arn"), arn);
  EXPECT_EQ(Tag(created.body, "DefaultVersionId"), "v1");
  EXPECT_EQ(Tag(created.body, "AttachmentCount"), "0");
  EXPECT_EQ(Tag(created.body, "IsAttachable"), "true");
  EXPECT_THAT(Tag(created.body, "PolicyId"), ::testing::MatchesRegex("ANPA[A-Z2-7]{17}"));

  http::Response version = Call(a_, "GetPolicyVersion", {{"PolicyArn", arn}, {"VersionId", "v1"}});
  ASSERT_EQ(version.status, 200) << version.body;
  EXPECT_EQ(UriDecode(Tag(version.body, "Document")).value_or(""), kCleanRoomsS3Access);
  EXPECT_EQ(Tag(version.body, "IsDefaultVersion"), "true");

  ASSERT_EQ(
      Call(a_, "CreateRole", {{"RoleName", "R"}, {"AssumeRolePolicyDocument", kTrustGlue}}).status,
      200);
  ASSERT_EQ(
      Call(a_, "PutRolePolicy",
           {{"RoleName", "R"}, {"PolicyName", "Inline"}, {"PolicyDocument", kCleanRoomsS3Access}})
          .status,
      200);
  http::Response inline_policy =
      Call(a_, "GetRolePolicy", {{"RoleName", "r"}, {"PolicyName", "Inline"}});
  ASSERT_EQ(inline_policy.status, 200) << inline_policy.body;
  EXPECT_EQ(Tag(inline_policy.body, "RoleName"), "R");
  EXPECT_EQ(UriDecode(Tag(inline_policy.body, "PolicyDocument")).value_or(""), kCleanRoomsS3Access);
  http::Response names = Call(a_, "ListRolePolicies", {{"RoleName", "R"}});
  EXPECT_THAT(names.body, HasSubstr("<PolicyNames><member>Inline</member></PolicyNames>"
                                    "<IsTruncated>false</IsTruncated>"));
}

TEST_F(IamServiceTest, PagingWithMaxItemsAndMarker) {
  for (const char* name : {"delta", "Alpha", "charlie", "bravo", "echo"}) {
    ASSERT_EQ(Call(a_, "CreateRole", {{"RoleName", name}, {"AssumeRolePolicyDocument", kTrustGlue}})
                  .status,
              200);
  }
  std::vector<std::string> seen;
  std::string marker;
  int pages = 0;
  for (;;) {
    std::vector<std::pair<std::string, std::string>> params = {{"MaxItems", "2"}};
    if (!marker.empty()) params.push_back({"Marker", marker});
    http::Response resp = Call(a_, "ListRoles", params);
    ASSERT_EQ(resp.status, 200) << resp.body;
    ++pages;
    std::regex name_re("<RoleName>([^<]*)</RoleName>");
    for (auto it = std::sregex_iterator(resp.body.begin(), resp.body.end(), name_re);
         it != std::sregex_iterator(); ++it) {
      seen.push_back((*it)[1]);
    }
    if (Tag(resp.body, "IsTruncated") == "false") {
      EXPECT_EQ(Tag(resp.body, "Marker"), "");
      break;
    }
    marker = Tag(resp.body, "Marker");
    ASSERT_FALSE(marker.empty());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"Alpha", "bravo", "charlie", "delta", "echo"}));
  EXPECT_EQ(Tag(Call(a_, "ListRoles", {{"Marker", "!!!"}}).body, "Code"), "InvalidInput");
  // The other account sees none of them.
  EXPECT_THAT(Call(b_, "ListRoles").body, HasSubstr("<Roles></Roles><IsTruncated>false"));
}

TEST_F(IamServiceTest, ListPoliciesAndAttachedPoliciesPage) {
  ASSERT_EQ(
      Call(a_, "CreateRole", {{"RoleName", "R"}, {"AssumeRolePolicyDocument", kTrustGlue}}).status,
      200);
  for (const char* arn : {kGlueServiceRoleArn, kCleanRoomsServiceArn}) {
    ASSERT_EQ(Call(a_, "AttachRolePolicy", {{"RoleName", "R"}, {"PolicyArn", arn}}).status, 200);
  }
  http::Response first =
      Call(a_, "ListAttachedRolePolicies", {{"RoleName", "R"}, {"MaxItems", "1"}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Tag(first.body, "PolicyName"), "AWSCleanRoomsService");
  EXPECT_EQ(Tag(first.body, "IsTruncated"), "true");
  http::Response second =
      Call(a_, "ListAttachedRolePolicies",
           {{"RoleName", "R"}, {"MaxItems", "1"}, {"Marker", Tag(first.body, "Marker")}});
  EXPECT_EQ(Tag(second.body, "PolicyName"), "AWSGlueServiceRole");
  EXPECT_EQ(Tag(second.body, "IsTruncated"), "false");

  http::Response aws = Call(a_, "ListPolicies", {{"Scope", "AWS"}, {"OnlyAttached", "true"}});
  EXPECT_THAT(aws.body, HasSubstr("<PolicyName>AWSCleanRoomsService</PolicyName>"));
  EXPECT_THAT(aws.body, HasSubstr("<AttachmentCount>1</AttachmentCount>"));
  http::Response local = Call(a_, "ListPolicies", {{"Scope", "Local"}});
  EXPECT_THAT(local.body, HasSubstr("<Policies></Policies>"));
  http::Response boundary =
      Call(a_, "ListPolicies", {{"PolicyUsageFilter", "PermissionsBoundary"}});
  EXPECT_THAT(boundary.body, HasSubstr("<Policies></Policies>"));
}

}  // namespace
}  // namespace cleanroom::iam
