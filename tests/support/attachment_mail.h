// SPDX-License-Identifier: GPL-3.0-or-later
// Mail with files attached, as a mail client sends them (multipart/mixed, base64), for the
// tests of the attachment parse path.
#pragma once
#include <string>
#include <vector>

namespace closeout::testing {

struct AttachedFile {
  std::string filename;
  std::string content_type;
  std::string bytes;
};

inline std::string base64(const std::string& in) {
  static const char* const t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t line = 0;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) n |= static_cast<unsigned char>(in[i + 2]);
    out += t[n >> 18];
    out += t[(n >> 12) & 63];
    out += i + 1 < in.size() ? t[(n >> 6) & 63] : '=';
    out += i + 2 < in.size() ? t[n & 63] : '=';
    if (++line == 19) {  // 76 characters a line
      out += "\n";
      line = 0;
    }
  }
  return out;
}

inline std::string mail_with_files(const std::string& from, const std::string& subject,
                                   const std::string& body,
                                   const std::vector<AttachedFile>& files) {
  std::string out = "From: " + from + "\nSubject: " + subject +
                    "\nMessage-ID: <r1@dealer.example>\nMIME-Version: 1.0\n"
                    "Content-Type: multipart/mixed; boundary=\"m\"\n\n--m\n"
                    "Content-Type: text/plain; charset=utf-8\n\n" +
                    body + "\n";
  for (const auto& f : files) {
    out += "--m\nContent-Type: " + f.content_type +
           "\nContent-Disposition: attachment; filename=\"" + f.filename +
           "\"\nContent-Transfer-Encoding: base64\n\n" + base64(f.bytes) + "\n";
  }
  return out + "--m--\n";
}

}  // namespace closeout::testing
