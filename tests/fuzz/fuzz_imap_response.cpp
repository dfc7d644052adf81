// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the IMAP response reader and the response parsers: what a hostile or
// broken server can send. The first byte picks how the stream is cut into feeds (the transport
// passes whatever the socket gave); the responses must not depend on the cut. Any crash, hang,
// unbounded allocation or difference between cuts is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "imap_response.h"

namespace {

using closeout::imap::ImapProtocolError;
using closeout::imap::Response;
using closeout::imap::ResponseReader;

constexpr std::size_t kMaxLiteral = 1 << 16;
constexpr std::size_t kMaxLine = 1 << 16;

struct Reading {
  std::vector<Response> responses;
  bool error = false;
};

// Feeds the stream in pieces whose sizes come from a small generator seeded by `cut`
// (0: all at once), reading every complete response after each piece, as the transport does.
Reading read_stream(std::string_view stream, std::uint8_t cut) {
  Reading out;
  ResponseReader reader(kMaxLiteral, kMaxLine);
  std::uint32_t state = cut;
  std::size_t at = 0;
  try {
    while (at < stream.size()) {
      std::size_t n = stream.size() - at;
      if (cut != 0) {
        state = state * 1103515245U + 12345U;
        n = std::min<std::size_t>(n, 1 + (state >> 16) % 97);
      }
      reader.feed(stream.substr(at, n));
      at += n;
      while (auto r = reader.next()) out.responses.push_back(std::move(*r));
    }
  } catch (const ImapProtocolError&) {
    out.error = true;
  }
  return out;
}

bool same(const Response& a, const Response& b) {
  return a.kind == b.kind && a.tag == b.tag && a.line == b.line && a.literals == b.literals;
}

void parse_every_way(const Response& r) {
  namespace imap = closeout::imap;
  if (auto st = imap::parse_status(r)) {
    (void)imap::code_number(st->code, "UIDVALIDITY");
    (void)imap::code_number(st->code, "UIDNEXT");
  }
  (void)imap::parse_exists(r);
  (void)imap::parse_search(r);
  (void)imap::parse_capabilities(r);
  if (auto item = imap::parse_fetch(r); item && item->body && *item->body >= r.literals.size())
    std::abort();  // a body index must point at one of the response's literals
  (void)imap::parse_list_name(r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t cut = data[0] == 0 ? 1 : data[0];
  std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  Reading whole = read_stream(stream, 0);
  Reading pieces = read_stream(stream, cut);
  // The same responses, and the same protocol error or none, however the stream was cut.
  if (whole.error != pieces.error) std::abort();
  if (whole.responses.size() != pieces.responses.size()) std::abort();
  for (std::size_t i = 0; i < whole.responses.size(); ++i) {
    if (!same(whole.responses[i], pieces.responses[i])) std::abort();
    parse_every_way(whole.responses[i]);
  }
  return 0;
}
