// SPDX-License-Identifier: GPL-3.0-or-later
// RFC 7636 PKCE (S256) and the OAuth `state` for the browser sign-in, from OpenSSL's CSPRNG.
// A failing random source is fatal for the login (std::runtime_error), never a weak value.
#pragma once
#include <string>
#include <string_view>

namespace closeout::oauth {

std::string make_code_verifier();                            // 64 chars, RFC 7636 unreserved set
std::string code_challenge_s256(std::string_view verifier);  // BASE64URL(SHA256), no padding
std::string make_state();                                    // 32 random url-safe chars

}  // namespace closeout::oauth
