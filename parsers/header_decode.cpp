// SPDX-License-Identifier: GPL-3.0-or-later
// RFC 2047 decoding (mimetic decodes bodies, not encoded words). Adjacent encoded words in the
// same charset are joined before conversion, because senders split multi-byte characters
// across them. A malformed encoded word is kept as the literal text it is.
#include "header_decode.h"

#include <mimetic/codec/base64.h>
#include <mimetic/codec/code.h>
#include <mimetic/codec/qp.h>
#include <iterator>
#include <optional>

#include "charset.h"
#include "text_util.h"

namespace closeout {
namespace {

struct EncodedWord {
  std::string charset;  // lower case, RFC 2231 language suffix dropped
  std::string bytes;    // decoded payload, still in charset
  std::size_t length;   // of the whole =?...?= token
};

std::string decode_q(std::string_view payload) {
  std::string qp;
  qp.reserve(payload.size());
  for (char c : payload) {
    if (c == '_')
      qp += "=20";
    else
      qp.push_back(c);
  }
  std::string out;
  mimetic::QP::Decoder decoder;
  mimetic::decode(qp.begin(), qp.end(), decoder, std::back_inserter(out));
  return out;
}

std::string decode_b(std::string_view payload) {
  std::string out;
  mimetic::Base64::Decoder decoder;
  mimetic::decode(payload.begin(), payload.end(), decoder, std::back_inserter(out));
  return out;
}

// RFC 2047 allows 75; senders exceed it, but a bound keeps hostile headers linear.
constexpr std::size_t kMaxEncodedWord = 2048;

// Parses "=?charset?X?payload?=" at the start of s.
std::optional<EncodedWord> parse_encoded_word(std::string_view s) {
  s = s.substr(0, kMaxEncodedWord);
  if (s.size() < 8 || s[0] != '=' || s[1] != '?') return std::nullopt;
  std::size_t q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 == 2 || q1 + 2 >= s.size() || s[q1 + 2] != '?') {
    return std::nullopt;
  }
  std::size_t end = s.find("?=", q1 + 3);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view payload = s.substr(q1 + 3, end - q1 - 3);
  // RFC 2047: encoded-text has no blanks and no '?'.
  if (payload.find_first_of(" \t\r\n?") != std::string_view::npos) return std::nullopt;
  std::string charset = to_lower_ascii(s.substr(2, q1 - 2));
  charset = charset.substr(0, charset.find('*'));
  char encoding = static_cast<char>(s[q1 + 1] | 0x20);
  if (encoding != 'b' && encoding != 'q') return std::nullopt;
  return EncodedWord{charset, encoding == 'b' ? decode_b(payload) : decode_q(payload), end + 2};
}

// Raw text between encoded words: 8-bit bytes are UTF-8 if they read as such, else cp1252.
void append_raw(std::string& out, std::string_view raw) { out += to_utf8(raw, ""); }

// No CR, LF, NUL or other controls (tab kept as a space); blanks collapsed, ends trimmed.
std::string one_line(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? ' ' : c);
  }
  return collapse_spaces(out);
}

}  // namespace

std::string decode_header_value(std::string_view raw) {
  std::string out;
  std::string pending_bytes;  // consecutive encoded words of one charset, not yet converted
  std::string pending_charset;
  auto flush = [&] {
    if (!pending_charset.empty() || !pending_bytes.empty())
      out += to_utf8(pending_bytes, pending_charset);
    pending_bytes.clear();
    pending_charset.clear();
  };
  std::size_t i = 0;
  std::size_t literal_start = 0;
  while (i < raw.size()) {
    auto word = raw[i] == '=' ? parse_encoded_word(raw.substr(i)) : std::nullopt;
    if (!word) {
      ++i;
      continue;
    }
    std::string_view between = raw.substr(literal_start, i - literal_start);
    // Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
    const bool only_blanks =
        trim(between).empty() && between.find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (!(only_blanks && (!pending_bytes.empty() || !pending_charset.empty()))) {
      flush();
      append_raw(out, between);
    }
    if (!pending_charset.empty() && pending_charset != word->charset) flush();
    pending_charset = word->charset;
    pending_bytes += word->bytes;
    i += word->length;
    literal_start = i;
  }
  flush();
  append_raw(out, raw.substr(literal_start));
  return one_line(out);
}

}  // namespace closeout
