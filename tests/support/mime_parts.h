// SPDX-License-Identifier: GPL-3.0-or-later
// Test-side reading of the multipart mail closeoutd sends: the top-level parts of a
// multipart/mixed message with their headers and base64 bodies decoded, written independently
// of the composer so a test checks what a mail reader would see.
#pragma once
#include <cctype>
#include <optional>
#include <string>
#include <vector>

namespace closeout::testing {

struct MimePart {
  std::string headers;  // as written, CRLF between fields
  std::string body;     // base64 decoded when the part says so, else as written
  std::string header(const std::string& name) const {
    std::string lower_headers;
    for (char c : "\r\n" + headers) lower_headers += static_cast<char>(std::tolower(c));
    std::string key = "\r\n";
    for (char c : name) key += static_cast<char>(std::tolower(c));
    key += ":";
    auto at = lower_headers.find(key);
    if (at == std::string::npos) return {};
    auto start = at + key.size() - 2;  // offsets in headers ("\r\n" prefix removed)
    auto end = headers.find("\r\n", start);
    // Folded: continuation lines start with a blank.
    while (end != std::string::npos && end + 2 < headers.size() &&
           (headers[end + 2] == ' ' || headers[end + 2] == '\t'))
      end = headers.find("\r\n", end + 2);
    std::string value = headers.substr(start, end == std::string::npos ? end : end - start);
    for (auto fold = value.find("\r\n"); fold != std::string::npos; fold = value.find("\r\n"))
      value.erase(fold, 2);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    return value;
  }
};

inline std::string base64_decode_for_tests(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (char c : in) {
    int v = value(c);
    if (v < 0) continue;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xFF);
    }
  }
  return out;
}

// The parts of a multipart message (the top-level boundary from its Content-Type); nullopt
// when the message is not multipart.
inline std::optional<std::vector<MimePart>> mime_parts(const std::string& message) {
  auto end_of_headers = message.find("\r\n\r\n");
  if (end_of_headers == std::string::npos) return std::nullopt;
  MimePart top{message.substr(0, end_of_headers), ""};
  std::string type = top.header("Content-Type");
  auto b = type.find("boundary=\"");
  if (type.rfind("multipart/", 0) != 0 || b == std::string::npos) return std::nullopt;
  std::string boundary = "--" + type.substr(b + 10, type.find('"', b + 10) - b - 10);
  std::vector<MimePart> parts;
  auto pos = message.find(boundary, end_of_headers);
  while (pos != std::string::npos) {
    auto start = pos + boundary.size();
    if (message.compare(start, 2, "--") == 0) break;
    start += 2;  // CRLF
    auto next = message.find("\r\n" + boundary, start);
    if (next == std::string::npos) return std::nullopt;
    std::string part = message.substr(start, next - start);
    auto split = part.find("\r\n\r\n");
    MimePart p{part.substr(0, split), split == std::string::npos ? "" : part.substr(split + 4)};
    if (p.header("Content-Transfer-Encoding") == "base64") p.body = base64_decode_for_tests(p.body);
    parts.push_back(std::move(p));
    pos = next + 2;
  }
  return parts;
}

}  // namespace closeout::testing
