// SPDX-License-Identifier: GPL-3.0-or-later
// PKCE verifier, S256 challenge and state from OpenSSL's CSPRNG (RAND_bytes). A random source
// that fails is a std::runtime_error: a guessable verifier or state would be worse than no login.
#include "pkce.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>

namespace closeout::oauth {

namespace {

// RFC 7636 4.1's unreserved set, less "." and "~": 64 characters, so one random byte's low six
// bits pick one without bias.
constexpr char kUrlSafe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string random_url_safe(std::size_t length) {
  std::string bytes(length, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(length)) != 1)
    throw std::runtime_error("the system's random number generator failed");
  for (char& c : bytes) c = kUrlSafe[static_cast<unsigned char>(c) & 63];
  return bytes;
}

std::string base64url(const unsigned char* data, std::size_t size) {
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (std::size_t i = 0; i < size; ++i) {
    value = (value << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kUrlSafe[(value >> bits) & 63];
    }
  }
  if (bits > 0) out += kUrlSafe[(value << (6 - bits)) & 63];
  return out;
}

}  // namespace

std::string make_code_verifier() { return random_url_safe(64); }

std::string code_challenge_s256(std::string_view verifier) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), digest.data());
  return base64url(digest.data(), digest.size());
}

std::string make_state() { return random_url_safe(32); }

}  // namespace closeout::oauth
