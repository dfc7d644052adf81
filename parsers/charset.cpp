// SPDX-License-Identifier: GPL-3.0-or-later
// iconv-based charset conversion. Descriptors are cached per thread and charset, because
// iconv_open costs more than converting a whole message.
#include "charset.h"

#include <iconv.h>

#include <cerrno>
#include <map>
#include <memory>

#include "text_util.h"

namespace closeout {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[0], or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s) noexcept {
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;  // overlong
    if (c == 0xED && b(1) > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;  // overlong
    if (c == 0xF4 && b(1) > 0x8F) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

std::string normalize_charset(std::string_view charset) {
  std::string name = to_lower_ascii(trim(charset));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
    name = name.substr(1, name.size() - 2);
  name = std::string(trim(name));
  if (name == "utf8") return "utf-8";
  if (name == "latin1" || name == "latin-1" || name == "iso-8859-1" || name == "iso8859-1" ||
      name == "iso_8859-1" || name == "cp1252" || name == "windows-1252") {
    return "windows-1252";
  }
  if (name == "ascii" || name == "us-ascii" || name == "ansi_x3.4-1968") return "";
  return name;
}

class Converter {
  // iconv_open's documented failure value is (iconv_t)-1.
  // NOLINTNEXTLINE(performance-no-int-to-ptr)
  static inline const iconv_t kFailed = reinterpret_cast<iconv_t>(-1);

 public:
  explicit Converter(const std::string& from) : cd_(iconv_open("UTF-8", from.c_str())) {}
  ~Converter() {
    if (ok()) iconv_close(cd_);
  }
  Converter(const Converter&) = delete;
  Converter& operator=(const Converter&) = delete;
  bool ok() const { return cd_ != kFailed; }

  std::string convert(std::string_view in) {
    iconv(cd_, nullptr, nullptr, nullptr, nullptr);  // reset shift state left by a prior input
    std::string out;
    out.reserve(in.size() * 2 + 16);
    char buffer[4096];
    char* src = const_cast<char*>(in.data());
    std::size_t src_left = in.size();
    while (src_left > 0) {
      char* dst = buffer;
      std::size_t dst_left = sizeof buffer;
      std::size_t r = iconv(cd_, &src, &src_left, &dst, &dst_left);
      out.append(buffer, static_cast<std::size_t>(dst - buffer));
      if (r != static_cast<std::size_t>(-1)) continue;
      if (errno == E2BIG) continue;
      // EILSEQ or EINVAL (truncated input): mark the byte and carry on after it.
      out.append(kReplacement);
      ++src;
      --src_left;
      iconv(cd_, nullptr, nullptr, nullptr, nullptr);
    }
    char* dst = buffer;
    std::size_t dst_left = sizeof buffer;
    iconv(cd_, nullptr, nullptr, &dst, &dst_left);  // flush a stateful encoding's final shift
    out.append(buffer, static_cast<std::size_t>(dst - buffer));
    return out;
  }

 private:
  iconv_t cd_;
};

Converter* converter_for(const std::string& charset) {
  thread_local std::map<std::string, std::unique_ptr<Converter>> cache;
  auto it = cache.find(charset);
  if (it == cache.end()) {
    if (cache.size() > 64) cache.clear();  // hostile mail could name endless charsets
    it = cache.emplace(charset, std::make_unique<Converter>(charset)).first;
  }
  return it->second->ok() ? it->second.get() : nullptr;
}

bool is_ascii(std::string_view s) noexcept {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  while (!s.empty()) {
    std::size_t n = utf8_sequence(s);
    if (n == 0) return false;
    s.remove_prefix(n);
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    std::size_t n = utf8_sequence(s);
    if (n == 0) {
      out.append(kReplacement);
      s.remove_prefix(1);
    } else {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
    }
  }
  return out;
}

namespace {
// 7-bit charsets (ISO-2022-JP, UTF-7) and wide ones look like ASCII but are not.
bool ascii_compatible(const std::string& name) {
  for (const char* p : {"iso-2022", "iso2022", "utf-7", "utf7", "utf-16", "utf-32", "ucs", "hz"}) {
    if (name.rfind(p, 0) == 0) return false;
  }
  return true;
}
}  // namespace

std::string to_utf8(std::string_view bytes, std::string_view charset) {
  std::string name = normalize_charset(charset);
  if (ascii_compatible(name) && is_ascii(bytes)) return std::string(bytes);
  if (name == "utf-8") return repair_utf8(bytes);
  if (name.empty()) {
    if (is_valid_utf8(bytes)) return std::string(bytes);
    name = "windows-1252";
  }
  Converter* c = converter_for(name);
  if (!c) {  // a charset iconv does not know
    if (is_valid_utf8(bytes)) return std::string(bytes);
    c = converter_for("windows-1252");
  }
  // iconv may pass through odd sequences for some charsets; the promise is valid UTF-8.
  std::string out = c ? c->convert(bytes) : std::string(bytes);
  return is_valid_utf8(out) ? out : repair_utf8(out);
}

}  // namespace closeout
