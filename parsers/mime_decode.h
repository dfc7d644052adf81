// SPDX-License-Identifier: GPL-3.0-or-later
// Turns the raw bytes of one e-mail into decoded UTF-8 headers and text parts, using mimetic
// for the MIME structure and transfer encodings. Input that is not an e-mail at all (no
// header fields) or is built to exhaust the parser (absurd nesting) is an error value.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace closeout {

struct TextPart {
  enum class Type { plain, html };
  Type type = Type::plain;
  bool attachment = false;  // Content-Disposition: attachment, or a file name
  std::string filename;
  // Parts with the same group are alternatives of one another (multipart/alternative).
  int alternative_group = 0;
  std::string text;  // UTF-8, transfer- and charset-decoded, cut at DecodeLimits::max_part_bytes
};

// A leaf that is not text: a PDF, a Word document, an image, winmail.dat. Read (if at all) by
// the attachment helper process, never in the parse path itself.
struct BinaryPart {
  std::string filename;      // RFC 2231/2047-decoded; may be empty
  std::string content_type;  // lower-cased "type/subtype", parameters dropped
  std::string bytes;         // transfer-decoded; empty when too_large
  std::size_t size = 0;      // the decoded size, also when too_large
  bool too_large = false;    // over DecodeLimits::max_attachment_bytes: skipped, with a reason
};

struct DecodedMessage {
  std::string message_id;         // as written, angle brackets included
  std::string from;               // the bare address
  std::string subject;            // RFC 2047-decoded, one line
  bool null_return_path = false;  // "Return-Path: <>": a bounce or other automatic mail
  std::vector<std::string> in_reply_to;
  std::vector<std::string> references;
  std::string auto_submitted;            // lower-cased, parameters dropped
  std::string precedence;                // lower-cased
  bool autoreply_header = false;         // X-Autoreply / X-Autorespond present
  bool is_report = false;                // multipart/report (DSN, MDN)
  std::vector<TextPart> parts;           // text/plain and text/html leaves, in document order
  std::vector<BinaryPart> binary_parts;  // every other leaf, in document order
};

struct DecodeLimits {
  // A Section 2 form is a few kilobytes; text past this is never looked at.
  std::size_t max_part_bytes = std::size_t{2} * 1024 * 1024;
  // Real mail has a handful of MIME containers; mimetic recurses per level, so cap them.
  std::size_t max_containers = 100;
  // One multipart may hold any number of leaves; text past this many parts is not read.
  std::size_t max_text_parts = 200;
  // mimetic grows a header buffer 128 bytes at a time, so parse time is quadratic in a
  // field's length; real fields (even long References) stay far below these.
  std::size_t max_header_field_bytes = std::size_t{128} * 1024;
  std::size_t max_header_bytes = std::size_t{1024} * 1024;
  // [limits] max_attachment_bytes: a larger attachment is listed, not kept.
  std::size_t max_attachment_bytes = std::size_t{20} * 1024 * 1024;
  // Binary leaves past this many are not kept (a message of a thousand tiny images).
  std::size_t max_binary_parts = 20;
};

struct DecodeOutcome {
  std::optional<DecodedMessage> message;
  std::string error;  // set when message is empty: why the bytes are not a readable e-mail
};

DecodeOutcome decode_message(std::string_view raw, const DecodeLimits& limits = {});

}  // namespace closeout
