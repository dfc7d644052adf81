// SPDX-License-Identifier: GPL-3.0-or-later
#include "mail_compose.h"

#include <algorithm>

#include "address.h"
#include "text_util.h"

namespace closeout {

namespace {

constexpr std::size_t kFoldAt = 78;
constexpr std::size_t kMaxLine = 998;   // RFC 5322 2.1.1
constexpr std::size_t kWordInput = 45;  // 60 base64 characters: each encoded word fits a line
// A reference longer than this cannot be anyone's real Message-ID; it would only push References
// toward the line limit.
constexpr std::size_t kMaxReferenceId = 250;

bool is_ascii_printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

// Line breaks and NUL in a header value could start a new header: they become spaces.
std::string single_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\r' || c == '\n' || c == '\0' || c == '\t') c = ' ';
  return out;
}

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    std::uint32_t v = static_cast<unsigned char>(in[i]) << 16 |
                      static_cast<unsigned char>(in[i + 1]) << 8 |
                      static_cast<unsigned char>(in[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 0x3F];
  }
  if (i < in.size()) {
    std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 0x3F];
    out += kAlphabet[(v >> 12) & 0x3F];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 0x3F] : '=';
    out += '=';
  }
  return out;
}

// Encoded words of at most kWordInput bytes each, never splitting a UTF-8 character; the first
// is shorter when the line already holds `column` characters.
std::string encoded_words(std::string_view utf8, std::size_t column = 0) {
  std::string out;
  while (!utf8.empty()) {
    std::size_t room = kWordInput;
    if (out.empty() && column > 0) room = std::min(kWordInput, ((kFoldAt - 12 - column) / 4) * 3);
    std::size_t take = std::min(room, utf8.size());
    while (take < utf8.size() && take > 0 &&
           (static_cast<unsigned char>(utf8[take]) & 0xC0) == 0x80)
      --take;
    if (take == 0) take = std::min(room, utf8.size());
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(utf8.substr(0, take)) + "?=";
    utf8.remove_prefix(take);
  }
  return out;
}

// Folds printable ASCII at spaces so that lines stay under 78 columns where words allow.
std::string fold_ascii(std::string_view text, std::size_t column) {
  std::string out;
  std::size_t line = column;
  for (std::size_t pos = 0; pos <= text.size();) {
    auto space = std::min(text.find(' ', pos), text.size());
    auto word = text.substr(pos, space - pos);
    if (pos > 0 && line + 1 + word.size() > kFoldAt && line > 1) {
      out += "\r\n";
      line = 0;
    }
    if (pos > 0) {
      out += ' ';
      ++line;
    }
    out += word;
    line += word.size();
    pos = space + 1;
  }
  return out;
}

bool is_atext_phrase(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view(" !#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
  });
}

std::string format_address(const MailAddress& a) {
  if (!is_envelope_safe(a.address)) throw ComposeError("unsafe mail address: " + a.address);
  std::string name(trim(single_line(a.name)));
  if (name.empty()) return a.address;
  if (!is_ascii_printable(name)) return encoded_words(name) + " <" + a.address + ">";
  if (is_atext_phrase(name)) return name + " <" + a.address + ">";
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\" <" + a.address + ">";
}

std::string address_header(std::string_view name, const std::vector<MailAddress>& list) {
  std::string out = std::string(name) + ": ";
  std::size_t line = out.size();
  for (std::size_t i = 0; i < list.size(); ++i) {
    auto one = format_address(list[i]);
    if (i > 0) {
      out += ',';
      if (line + 2 + one.size() > kFoldAt) {
        out += "\r\n";
        line = 0;
      }
      out += ' ';
      ++line;
    }
    out += one;
    auto last_break = one.rfind('\n');
    line = last_break == std::string::npos ? line + one.size() : one.size() - last_break - 1;
  }
  return out + "\r\n";
}

bool is_msg_id(std::string_view id) {
  return id.size() >= 5 && id.size() <= kMaxLine - 20 && id.front() == '<' && id.back() == '>' &&
         id.find('@') != std::string_view::npos && is_ascii_printable(id) &&
         id.find_first_of(" <>", 1) == id.size() - 1;
}

// A Message-ID taken from incoming mail, for In-Reply-To and References: real mailers send ids
// without "@" or with odd characters, and a reply must not fail over them. Only what could break
// the header (space, CR, LF, '<' or '>' inside, control characters, a line too long) is unsafe.
bool is_reference_id(std::string_view id) {
  return id.size() >= 3 && id.size() <= kMaxReferenceId && id.front() == '<' && id.back() == '>' &&
         is_ascii_printable(id) && id.find_first_of(" <>", 1) == id.size() - 1;
}

bool is_field_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(),
                                      [](char c) { return c > 0x20 && c < 0x7F && c != ':'; });
}

std::string quoted_printable_line(std::string_view line) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    bool last = i + 1 == line.size();
    std::string piece;
    if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
      piece = std::string(1, static_cast<char>(c));
    } else {
      piece = {'=', kHex[c >> 4], kHex[c & 0xF]};
    }
    if (column + piece.size() > 75) {
      out += "=\r\n";
      column = 0;
    }
    out += piece;
    column += piece.size();
  }
  return out;
}

// The text/plain part: its own Content-Type and transfer encoding, a blank line, the body.
std::string text_part(const std::string& text, const ComposeOptions& options) {
  std::string out = "Content-Type: text/plain; charset=utf-8\r\n";
  auto lines = split_lines(text);
  bool ascii = true;
  std::size_t longest = 0;
  for (auto line : lines) {
    longest = std::max(longest, line.size());
    ascii = ascii && std::all_of(line.begin(), line.end(),
                                 [](char c) { return (c >= 0x20 && c < 0x7F) || c == '\t'; });
  }
  std::string body;
  if (longest <= kMaxLine && (ascii || options.eight_bit)) {
    out += std::string("Content-Transfer-Encoding: ") + (ascii ? "7bit" : "8bit") + "\r\n";
    for (auto line : lines) {
      body.append(line);
      body += "\r\n";
    }
    // A NUL is not allowed even in 8bit: replace it rather than send a broken message.
    std::replace(body.begin(), body.end(), '\0', ' ');
  } else {
    out += "Content-Transfer-Encoding: quoted-printable\r\n";
    for (auto line : lines) body += quoted_printable_line(line) + "\r\n";
  }
  return out + "\r\n" + body;
}

std::string attachment_part(const MailAttachment& a) {
  auto safe = [](std::string_view s) {
    return !s.empty() && is_ascii_printable(s) && s.find_first_of("\"\\") == std::string_view::npos;
  };
  if (!safe(a.filename)) throw ComposeError("not a safe attachment file name");
  if (!safe(a.content_type) || a.content_type.find_first_of(" ;") != std::string::npos ||
      a.content_type.find('/') == std::string::npos)
    throw ComposeError("not a MIME type: " + single_line(a.content_type));
  std::string out = "Content-Type: " + a.content_type + "; name=\"" + a.filename + "\"\r\n";
  out += "Content-Disposition: attachment; filename=\"" + a.filename + "\"\r\n";
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  std::string encoded = base64(a.bytes);
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

}  // namespace

std::optional<MailAddress> parse_mail_address(std::string_view text) {
  auto address = address_of(text);
  if (!is_envelope_safe(address)) return std::nullopt;
  MailAddress out{"", address};
  auto open = text.rfind('<');
  if (open != std::string_view::npos) {
    std::string name(trim(text.substr(0, open)));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
      name = name.substr(1, name.size() - 2);
    out.name = name;
  }
  return out;
}

bool is_envelope_safe(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  auto at = address.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size() ||
      address.find('@', at + 1) != std::string_view::npos)
    return false;
  return std::all_of(address.begin(), address.end(), [](char c) {
    return c > 0x20 && c < 0x7F &&
           std::string_view("<>()[],;:\\\"").find(c) == std::string_view::npos;
  });
}

std::string encode_header_value(std::string_view utf8, std::size_t name_length) {
  auto value = single_line(utf8);
  bool long_word = false;
  for (auto word_start = 0UL; word_start < value.size();) {
    auto space = value.find(' ', word_start);
    if (space == std::string::npos) space = value.size();
    if (space - word_start > kMaxLine - 100) long_word = true;
    word_start = space + 1;
  }
  if (is_ascii_printable(value) && !long_word) return fold_ascii(value, name_length);
  return encoded_words(value, std::min<std::size_t>(name_length, 40));
}

std::string compose_mail(const OutgoingMail& mail, const ComposeOptions& options) {
  if (mail.to.empty()) throw ComposeError("a mail needs at least one recipient");
  if (!is_msg_id(mail.message_id)) throw ComposeError("not a Message-ID: " + mail.message_id);
  std::string out;
  out += "Date: " + single_line(mail.date) + "\r\n";
  out += address_header("From", {mail.from});
  out += address_header("To", mail.to);
  if (!mail.cc.empty()) out += address_header("Cc", mail.cc);
  out += "Subject: " + encode_header_value(mail.subject, 9) + "\r\n";
  out += "Message-ID: " + mail.message_id + "\r\n";
  // Ids from incoming mail: an unsafe one is left out, never a reason to refuse the reply.
  if (is_reference_id(mail.in_reply_to)) out += "In-Reply-To: " + mail.in_reply_to + "\r\n";
  std::string refs;
  for (const auto& id : mail.references) {
    if (is_reference_id(id)) refs += (refs.empty() ? "" : " ") + id;
  }
  if (!refs.empty()) out += "References: " + fold_ascii(refs, 12) + "\r\n";
  for (const auto& [name, value] : mail.extra_headers) {
    if (!is_field_name(name)) throw ComposeError("not a header field name: " + single_line(name));
    out += name + ": " + encode_header_value(value, name.size() + 2) + "\r\n";
  }
  out += "MIME-Version: 1.0\r\n";
  if (mail.attachments.empty()) return out + text_part(mail.body, options);

  std::string text = text_part(mail.body, options);
  // "=_" is never in base64 or quoted-printable output; the text part is checked all the same.
  std::string boundary = "=_closeoutd_" + mail.message_id.substr(1, 24);
  std::replace_if(
      boundary.begin(), boundary.end(),
      [](char c) { return !std::isalnum(static_cast<unsigned char>(c)) && c != '=' && c != '_'; },
      '_');
  while (text.find(boundary) != std::string::npos) boundary += "_x";
  out += "Content-Type: multipart/mixed;\r\n boundary=\"" + boundary + "\"\r\n\r\n";
  out += "This is a multipart message in MIME format.\r\n";
  out += "--" + boundary + "\r\n" + text;
  for (const auto& a : mail.attachments) out += "--" + boundary + "\r\n" + attachment_part(a);
  return out + "--" + boundary + "--\r\n";
}

}  // namespace closeout
