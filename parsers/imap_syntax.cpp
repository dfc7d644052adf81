// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap_syntax.h"

#include <algorithm>

namespace closeout::imap {

namespace {

// UTF-8 → code points; nothing on malformed input.
std::optional<std::vector<char32_t>> decode_utf8(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0 || s.size() - i <= static_cast<std::size_t>(extra)) return std::nullopt;
    char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

// RFC 3501 5.1.3: runs of non-printable-ASCII become "&" + base64 of UTF-16BE (with "," for
// "/") + "-"; "&" itself is "&-".
std::string modified_utf7(const std::vector<char32_t>& cps) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";
  std::string out;
  std::vector<std::uint8_t> run;
  auto flush = [&] {
    if (run.empty()) return;
    out += '&';
    std::uint32_t bits = 0;
    int nbits = 0;
    for (auto b : run) {
      bits = (bits << 8) | b;
      nbits += 8;
      while (nbits >= 6) {
        nbits -= 6;
        out += kAlphabet[(bits >> nbits) & 0x3F];
      }
    }
    if (nbits > 0) out += kAlphabet[(bits << (6 - nbits)) & 0x3F];
    out += '-';
    run.clear();
  };
  auto unit = [&](std::uint16_t u) {
    run.push_back(static_cast<std::uint8_t>(u >> 8));
    run.push_back(static_cast<std::uint8_t>(u & 0xFF));
  };
  for (char32_t cp : cps) {
    if (cp >= 0x20 && cp <= 0x7E) {
      flush();
      out += cp == '&' ? std::string("&-") : std::string(1, static_cast<char>(cp));
    } else if (cp >= 0x10000) {
      char32_t v = cp - 0x10000;
      unit(static_cast<std::uint16_t>(0xD800 + (v >> 10)));
      unit(static_cast<std::uint16_t>(0xDC00 + (v & 0x3FF)));
    } else {
      unit(static_cast<std::uint16_t>(cp));
    }
  }
  flush();
  return out;
}

}  // namespace

std::optional<std::string> mailbox_argument(std::string_view utf8_name) {
  if (utf8_name.empty()) return std::nullopt;
  auto cps = decode_utf8(utf8_name);
  if (!cps) return std::nullopt;
  for (char32_t cp : *cps)
    if (cp == 0 || cp == '\r' || cp == '\n') return std::nullopt;
  std::string out = "\"";
  for (char c : modified_utf7(*cps)) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string uid_set(std::vector<std::uint32_t> uids) {
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  std::string out;
  for (std::size_t i = 0; i < uids.size();) {
    std::size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(uids[i]);
    if (j > i) out += ':' + std::to_string(uids[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace closeout::imap
