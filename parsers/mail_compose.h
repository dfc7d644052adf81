// SPDX-License-Identifier: GPL-3.0-or-later
// Outgoing mail as bytes: the header block and body closeoutd sends, built so that no value
// (a subject from a dispatch, a name from the config, a technician's words) can add a header or
// a recipient. CR, LF and NUL in header values become spaces, non-ASCII is RFC 2047 encoded,
// long lines are folded, and the body is 7bit, 8bit or quoted-printable as the server allows.
#pragma once
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace closeout {

class ComposeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct MailAddress {
  std::string name;     // display name, UTF-8, may be empty
  std::string address;  // addr-spec
};

// "Acme Service <service@dealer.example>" or a bare address; nothing if no valid address.
std::optional<MailAddress> parse_mail_address(std::string_view text);

// An addr-spec safe for MAIL FROM / RCPT TO and for a header: printable ASCII, one "@", no
// spaces, brackets, quotes, commas or line breaks, at most 254 bytes.
bool is_envelope_safe(std::string_view address);

// A file sent with the text, base64-encoded in a multipart/mixed message after the body.
struct MailAttachment {
  std::string filename;      // printable ASCII without quotes or backslashes ("Service-...pdf")
  std::string content_type;  // "application/pdf"
  std::string bytes;
};

struct OutgoingMail {
  MailAddress from;
  std::vector<MailAddress> to;
  std::vector<MailAddress> cc;
  std::string subject;
  std::string date;        // RFC 5322 date-time, made by the caller (no clock here)
  std::string message_id;  // "<id@host>"
  std::string in_reply_to;
  std::vector<std::string> references;
  std::vector<std::pair<std::string, std::string>> extra_headers;  // e.g. Auto-Submitted
  std::string body;                                                // UTF-8 text
  // None: a single text/plain message, as always. Some: multipart/mixed, the text first.
  std::vector<MailAttachment> attachments;
};

struct ComposeOptions {
  bool eight_bit = false;  // the server offered 8BITMIME
};

// The message as sent (CRLF line ends). Throws ComposeError for an unsafe address, a header name
// that is not a field name, an own Message-ID that is not <...@...>, or an attachment's file
// name or type that could break its header. In-Reply-To and
// References come from other people's mail and are lenient: any <...> of printable ASCII without
// spaces or brackets inside (at most 250 bytes) is kept, anything else is left out silently.
std::string compose_mail(const OutgoingMail& mail, const ComposeOptions& options = {});

// One header value as RFC 2047 encoded words where needed, folded to 78 columns; name_length is
// the length of "Name: " already on the first line.
std::string encode_header_value(std::string_view utf8, std::size_t name_length);

}  // namespace closeout
