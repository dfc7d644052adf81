// SPDX-License-Identifier: GPL-3.0-or-later
// A token endpoint that refuses a grant with a bare HTTP 400, as glewlwyd 2.7 does for a
// revoked, expired or replayed refresh token (no "error" member, an empty body): the account
// needs a new sign-in, since resending the same request can only get the same answer.
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "oauth_reply.h"

namespace closeout::oauth {
namespace {

OAuthError error_of(long status, const std::string& body) {
  auto reply = read_token_reply(status, body);
  if (auto* error = std::get_if<OAuthError>(&reply)) return *error;
  ADD_FAILURE() << "a grant where an error was expected";
  return {};
}

TEST(OAuthReplyBare400, EmptyBodyIsARefusedGrantThatNeedsANewSignIn) {
  for (const std::string body : {"", " \r\n"}) {
    OAuthError e = error_of(400, body);
    EXPECT_EQ(e.code, OAuthErrorCode::invalid_grant);
    EXPECT_EQ(e.http_status, 400);
    EXPECT_TRUE(needs_new_login(e));
    EXPECT_NE(e.plain().find("closeoutctl oauth login"), std::string::npos) << e.plain();
  }
}

// Anything else without an OAuth error stays "check the endpoints": a proxy's HTML page on a
// wrong URL is not a refused grant, and a 5xx is retried.
TEST(OAuthReplyBare400, OtherRepliesWithoutAnErrorAreNotARefusedGrant) {
  EXPECT_EQ(error_of(400, "<html><body>Bad Request</body></html>").code,
            OAuthErrorCode::malformed_reply);
  EXPECT_EQ(error_of(404, "").code, OAuthErrorCode::malformed_reply);
  EXPECT_FALSE(needs_new_login(error_of(503, "")));
  EXPECT_EQ(error_of(400, R"({"error":"invalid_grant"})").code, OAuthErrorCode::invalid_grant);
}

}  // namespace
}  // namespace closeout::oauth
