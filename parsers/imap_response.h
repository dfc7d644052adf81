// SPDX-License-Identifier: GPL-3.0-or-later
// IMAP4rev1 server responses (RFC 3501 section 7), read from a byte stream. The transport feeds
// whatever the socket gave; complete responses come out with their literals kept apart, so a
// message body is never scanned for line ends. Bounded: a server that sends an endless line or
// a literal larger than the caller allows gets an ImapProtocolError, not our memory; or, when the
// caller asks, is read past and dropped, so one oversize message does not break the connection.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace closeout::imap {

class ImapProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Response {
  enum class Kind { untagged, tagged, continuation };
  Kind kind = Kind::untagged;
  std::string tag;   // tagged responses only
  std::string line;  // the response without its tag or "* ", literals replaced by "{N}"
  std::vector<std::string> literals;  // in order of appearance
  // Literals over the limit that were read past and dropped (their place in literals is empty).
  struct Dropped {
    std::size_t index = 0;  // into literals
    std::size_t size = 0;   // as announced
  };
  std::vector<Dropped> dropped;
};

class ResponseReader {
 public:
  // A literal larger than max_literal_bytes, or a line longer than max_line_bytes, is an error;
  // with drop_oversize_literals, such a literal is consumed without being kept (Response::dropped).
  explicit ResponseReader(std::size_t max_literal_bytes, std::size_t max_line_bytes = 1 << 20,
                          bool drop_oversize_literals = false);
  void feed(std::string_view bytes);
  // The next complete response, or nothing until more bytes arrive.
  std::optional<Response> next();

 private:
  bool read_line(std::string_view& line);
  std::string buffer_;
  std::size_t start_ = 0;  // consumed prefix of buffer_, dropped lazily to stay linear
  std::size_t max_literal_;
  std::size_t max_line_;
  Response partial_;
  bool in_response_ = false;
  std::optional<std::size_t> pending_literal_;
  bool drop_oversize_ = false;
  std::size_t dropping_ = 0;  // bytes still to skip of a literal being dropped
};

// OK / NO / BAD / BYE / PREAUTH with its optional [code] and human text.
struct Status {
  std::string word;  // upper case
  std::string code;  // the text inside [...], empty if none
  std::string text;
  bool ok() const { return word == "OK"; }
};
std::optional<Status> parse_status(const Response& r);

// "* 23 EXISTS" → 23
std::optional<std::uint32_t> parse_exists(const Response& r);
// "* SEARCH 4 9 12" → {4, 9, 12}; nothing if r is no SEARCH response
std::optional<std::vector<std::uint32_t>> parse_search(const Response& r);
// "* CAPABILITY ..." or a status with a [CAPABILITY ...] code → upper-case names
std::optional<std::vector<std::string>> parse_capabilities(const Response& r);
// A status code such as "UIDVALIDITY 3857529045" → 3857529045 when the name matches.
std::optional<std::uint32_t> code_number(std::string_view code, std::string_view name);

struct FetchItem {
  std::uint32_t sequence = 0;
  std::optional<std::uint32_t> uid;
  std::optional<std::uint64_t> size;  // RFC822.SIZE
  std::optional<std::size_t> body;    // index into Response::literals for BODY[]
  std::vector<std::string> flags;
};
// "* 7 FETCH (UID 19 RFC822.SIZE 2301 BODY[] {2301})" with its literal
std::optional<FetchItem> parse_fetch(const Response& r);

// "LIST (\HasNoChildren) "/" Processed" → the mailbox name (quoted, atom or literal), decoded
// from quoting only (modified UTF-7 is left as is).
std::optional<std::string> parse_list_name(const Response& r);

}  // namespace closeout::imap
