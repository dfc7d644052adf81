// SPDX-License-Identifier: GPL-3.0-or-later
// Raw bytes to DecodedMessage with mimetic. Errors are values: a message we cannot read is
// reported, never thrown past this file, so the caller can quarantine it and go on.
#include "mime_decode.h"

#include <mimetic/codec/base64.h>
#include <mimetic/codec/code.h>
#include <mimetic/codec/qp.h>
#include <mimetic/mimetic.h>
#include <algorithm>
#include <iterator>
#include <utility>

#include "address.h"
#include "charset.h"
#include "header_decode.h"
#include "text_util.h"

namespace closeout {
namespace {

// A header field name: printable ASCII except ':' (RFC 5322 ftext), then ':'.
bool starts_with_header_field(std::string_view raw) {
  std::size_t i = 0;
  while (i < raw.size() && raw[i] >= 33 && raw[i] <= 126 && raw[i] != ':') ++i;
  return i > 0 && i < raw.size() && raw[i] == ':';
}

// mbox files and some tools put a "From sender date" envelope line first; it is not a header.
std::string_view skip_envelope_line(std::string_view raw) {
  if (raw.rfind("From ", 0) != 0) return raw;
  std::size_t nl = raw.find('\n');
  return nl == std::string_view::npos ? std::string_view{} : raw.substr(nl + 1);
}

// Counts "multipart/" and "message/rfc822" anywhere, case-insensitively, by finding each '/'
// (memchr is fast) and looking around it.
std::size_t count_containers(std::string_view raw, std::size_t stop_after) {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (count <= stop_after && (pos = raw.find('/', pos)) != std::string_view::npos) {
    if (pos >= 9 && iequals(raw.substr(pos - 9, 9), "multipart")) ++count;
    if (pos >= 7 && iequals(raw.substr(pos - 7, 7), "message") &&
        istarts_with(raw.substr(pos + 1), "rfc822")) {
      ++count;
    }
    ++pos;
  }
  return count;
}

// Why the header block is too large to hand to mimetic, or nullopt when it is fine.
std::optional<std::string> oversize_header(std::string_view raw, const DecodeLimits& limits) {
  std::size_t field_start = 0;
  std::size_t pos = 0;
  while (pos < raw.size()) {
    std::size_t nl = raw.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? raw.size() : nl + 1;
    std::string_view line = raw.substr(pos, end - pos);
    if (trim(line).empty()) break;                                       // end of the header block
    if (line.front() != ' ' && line.front() != '\t') field_start = pos;  // not a continuation
    if (end - field_start > limits.max_header_field_bytes) {
      return "a header field is longer than " + std::to_string(limits.max_header_field_bytes) +
             " bytes";
    }
    if (end > limits.max_header_bytes) {
      return "the header is longer than " + std::to_string(limits.max_header_bytes) + " bytes";
    }
    pos = end;
  }
  return std::nullopt;
}

// "auto-replied; owner-email=..." -> "auto-replied"
// "auto-replied; owner-email=x" or "auto-replied (vacation)" -> "auto-replied": the keyword only,
// without parameters or a comment (RFC 3834 section 5 allows both).
std::string first_token_lower(std::string_view v) {
  v = trim(v);
  return to_lower_ascii(v.substr(0, v.find_first_of("; \t\r\n(")));
}

template <typename Decoder>
std::string run_decoder(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  Decoder decoder;
  mimetic::decode(encoded.begin(), encoded.end(), decoder, std::back_inserter(out));
  return out;
}

std::string transfer_decode(const mimetic::MimeEntity& e, std::string_view encoded) {
  const std::string mechanism = to_lower_ascii(e.header().contentTransferEncoding().mechanism());
  if (mechanism == "base64") return run_decoder<mimetic::Base64::Decoder>(encoded);
  if (mechanism == "quoted-printable") return run_decoder<mimetic::QP::Decoder>(encoded);
  return std::string(encoded);
}

std::string decode_body(const mimetic::MimeEntity& e, std::size_t max_bytes) {
  const std::string& body = e.body();
  // Encoded text is at most about three times its decoded size (QP's =XX), so this cut keeps
  // every byte we will look at while bounding the work on a 50 MB part.
  std::string_view encoded(body.data(), std::min(body.size(), max_bytes * 3 + 4));
  std::string decoded = transfer_decode(e, encoded);
  if (decoded.size() > max_bytes) decoded.resize(max_bytes);
  return to_utf8(decoded, e.header().contentType().param("charset"));
}

std::string part_filename(const mimetic::MimeEntity& e) {
  std::string name = e.header().contentDisposition().param("filename");
  if (name.empty()) name = e.header().contentType().param("name");
  return decode_header_value(name);
}

// The whole part, decoded, or only its size when it is over the limit: the message itself is
// already bounded by limits.max_message_bytes, so decoding it to learn the size costs no more.
void add_binary_part(const mimetic::MimeEntity& e, const DecodeLimits& limits,
                     DecodedMessage& out) {
  if (out.binary_parts.size() >= limits.max_binary_parts) return;
  const auto& ct = e.header().contentType();
  BinaryPart part;
  part.filename = part_filename(e);
  part.content_type = to_lower_ascii(ct.type()) + "/" + to_lower_ascii(ct.subtype());
  part.bytes = transfer_decode(e, e.body());
  part.size = part.bytes.size();
  if (part.size > limits.max_attachment_bytes) {
    part.too_large = true;
    std::string().swap(part.bytes);
  }
  out.binary_parts.push_back(std::move(part));
}

void add_text_part(const mimetic::MimeEntity& e, int group, const DecodeLimits& limits,
                   DecodedMessage& out) {
  const auto& ct = e.header().contentType();
  const std::string subtype = to_lower_ascii(ct.subtype());
  if (!iequals(ct.type(), "text") && !ct.type().empty()) {
    add_binary_part(e, limits, out);
    return;
  }
  if (!ct.type().empty() && subtype != "plain" && subtype != "html") return;
  TextPart part;
  part.type = subtype == "html" ? TextPart::Type::html : TextPart::Type::plain;
  part.filename = part_filename(e);
  part.attachment =
      iequals(e.header().contentDisposition().type(), "attachment") || !part.filename.empty();
  part.alternative_group = group;
  part.text = decode_body(e, limits.max_part_bytes);
  out.parts.push_back(std::move(part));
}

// Depth-first, in document order, without recursion. Children of a multipart/alternative
// share one group; every other leaf gets a group of its own.
void collect_parts(const mimetic::MimeEntity& root, const DecodeLimits& limits,
                   DecodedMessage& out) {
  struct Item {
    const mimetic::MimeEntity* entity;
    int group;  // 0: not inside an alternative
  };
  std::vector<Item> stack{{&root, 0}};
  int next_group = 1;
  while (!stack.empty() && out.parts.size() < limits.max_text_parts) {
    Item item = stack.back();
    stack.pop_back();
    const auto& ct = item.entity->header().contentType();
    if (iequals(ct.type(), "message")) continue;  // attached mail is someone else's history
    if (!ct.isMultipart()) {
      add_text_part(*item.entity, item.group != 0 ? item.group : next_group++, limits, out);
      continue;
    }
    const auto& children = item.entity->body().parts();
    int child_group = item.group;
    if (child_group == 0 && iequals(ct.subtype(), "alternative")) child_group = next_group++;
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      stack.push_back({*it, child_group});
    }
  }
}

// One pass over the header fields; the first occurrence of each name counts.
void read_headers(const mimetic::MimeEntity& e, DecodedMessage& out) {
  bool seen[7] = {};
  auto first = [&](int slot) { return !std::exchange(seen[slot], true); };
  for (const auto& field : e.header()) {
    const std::string& name = field.name();
    if (iequals(name, "Message-ID") && first(0)) {
      out.message_id = decode_header_value(field.value());
    } else if (iequals(name, "From") && first(1)) {
      out.from = address_of(decode_header_value(field.value()));
    } else if (iequals(name, "Subject") && first(2)) {
      out.subject = decode_header_value(field.value());
    } else if (iequals(name, "Return-Path") && first(3)) {
      std::string rp = field.value();
      std::erase_if(rp, [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
      out.null_return_path = rp == "<>";
    } else if (iequals(name, "In-Reply-To") && first(4)) {
      out.in_reply_to = message_ids(field.value());
    } else if (iequals(name, "References") && first(5)) {
      out.references = message_ids(field.value());
    } else if (iequals(name, "Auto-Submitted") && first(6)) {
      out.auto_submitted = first_token_lower(field.value());
    } else if (iequals(name, "Precedence")) {
      if (out.precedence.empty()) out.precedence = first_token_lower(field.value());
    } else if (iequals(name, "X-Autoreply") || iequals(name, "X-Autorespond") ||
               iequals(name, "X-Autoresponder")) {
      out.autoreply_header = true;
    }
  }
  const auto& ct = e.header().contentType();
  out.is_report = iequals(ct.type(), "multipart") && iequals(ct.subtype(), "report");
}

}  // namespace

DecodeOutcome decode_message(std::string_view raw, const DecodeLimits& limits) {
  DecodeOutcome outcome;
  std::string_view body = skip_envelope_line(raw);
  if (trim(body).empty()) {
    outcome.error = "empty input: not an e-mail message";
    return outcome;
  }
  if (!starts_with_header_field(body)) {
    outcome.error = "not an e-mail message: it does not start with header fields";
    return outcome;
  }
  if (auto why = oversize_header(body, limits)) {
    outcome.error = *why;
    return outcome;
  }
  if (count_containers(body, limits.max_containers) > limits.max_containers) {
    outcome.error = "MIME structure nested too deeply (more than " +
                    std::to_string(limits.max_containers) + " containers)";
    return outcome;
  }
  try {
    // Constructed first and loaded after: when mimetic throws from inside its iterator
    // constructor, no destructor runs and the parts it already allocated leak (found by the
    // fuzzer); a fully constructed entity deletes them whatever load() does.
    mimetic::MimeEntity entity;
    entity.load(body.begin(), body.end());
    DecodedMessage message;
    read_headers(entity, message);
    collect_parts(entity, limits, message);
    outcome.message = std::move(message);
  } catch (const std::exception& e) {
    outcome.error = std::string("unreadable MIME structure: ") + e.what();
  }
  return outcome;
}

}  // namespace closeout
