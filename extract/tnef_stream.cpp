// SPDX-License-Identifier: GPL-3.0-or-later
// Attributes are (level, id, length, data, checksum); attAttachment and attMsgProps carry MAPI
// properties, of which only the names, the MIME type and the body are kept. Nothing is copied
// but strings: attachment bytes stay views into the caller's buffer.
#include "tnef_stream.h"

#include <algorithm>
#include <cstdint>

#include "charset.h"

namespace closeout::extract {
namespace {

constexpr std::uint32_t kSignature = 0x223E9F78;
constexpr std::uint8_t kLevelMessage = 1, kLevelAttachment = 2;
// Attribute ids, low 16 bits ([MS-OXTNEF] 2.1.3.3); the high 16 bits are the type.
constexpr std::uint16_t attBody = 0x800C, attAttachData = 0x800F, attAttachTitle = 0x8010,
                        attAttachRenddata = 0x9002, attMsgProps = 0x9003, attAttachment = 0x9005,
                        attOemCodepage = 0x9007;
// MAPI property ids and types.
constexpr std::uint16_t PR_BODY = 0x1000, PR_DISPLAY_NAME = 0x3001, PR_ATTACH_DATA = 0x3701,
                        PR_ATTACH_FILENAME = 0x3704, PR_ATTACH_LONG_FILENAME = 0x3707,
                        PR_ATTACH_MIME_TAG = 0x370E;
constexpr std::uint16_t PT_STRING8 = 0x001E, PT_UNICODE = 0x001F, PT_BINARY = 0x0102,
                        PT_OBJECT = 0x000D, MV_FLAG = 0x1000;

class Cursor {
 public:
  explicit Cursor(std::string_view d) : d_(d) {}
  std::size_t left() const { return d_.size() - pos_; }
  std::size_t pos() const { return pos_; }
  bool bytes(std::size_t n, std::string_view& out) {
    if (n > left()) return false;
    out = d_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool skip(std::size_t n) {
    std::string_view ignored;
    return bytes(n, ignored);
  }
  template <typename T>
  bool le(T& out) {
    std::string_view b;
    if (!bytes(sizeof(T), b)) return false;
    out = 0;
    for (std::size_t i = sizeof(T); i-- > 0;)
      out = static_cast<T>((out << 8) | static_cast<unsigned char>(b[i]));
    return true;
  }

 private:
  std::string_view d_;
  std::size_t pos_ = 0;
};

std::string_view strip_nuls(std::string_view s) {
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}

std::string string8(std::string_view bytes, std::uint32_t codepage) {
  std::string charset = codepage == 65001 ? "utf-8" : "windows-" + std::to_string(codepage);
  if (codepage == 0 || codepage == 1252) charset = "windows-1252";
  return to_utf8(strip_nuls(bytes), charset);
}

std::string unicode(std::string_view bytes) {
  if (bytes.size() % 2 == 1) bytes.remove_suffix(1);
  while (bytes.size() >= 2 && bytes[bytes.size() - 1] == '\0' && bytes[bytes.size() - 2] == '\0')
    bytes.remove_suffix(2);
  return to_utf8(bytes, "utf-16le");
}

struct PropSink {
  std::uint32_t codepage = 1252;
  std::string* body = nullptr;           // message properties
  TnefAttachment* attachment = nullptr;  // attachment properties
  std::string long_name, short_name, display_name;
};

void keep_property(std::uint16_t id, std::uint16_t type, std::string_view value, PropSink& sink) {
  bool text = type == PT_STRING8 || type == PT_UNICODE;
  auto str = [&] { return type == PT_UNICODE ? unicode(value) : string8(value, sink.codepage); };
  if (sink.body) {
    if (id == PR_BODY && text && sink.body->empty()) *sink.body = str();
    return;
  }
  if (!sink.attachment) return;
  if (text && id == PR_ATTACH_LONG_FILENAME) sink.long_name = str();
  if (text && id == PR_ATTACH_FILENAME) sink.short_name = str();
  if (text && id == PR_DISPLAY_NAME) sink.display_name = str();
  if (text && id == PR_ATTACH_MIME_TAG) sink.attachment->mime_type = str();
  if (id == PR_ATTACH_DATA && type == PT_OBJECT) sink.attachment->embedded_message = true;
  if (id == PR_ATTACH_DATA && type == PT_BINARY && !sink.attachment->has_data) {
    sink.attachment->data = value;
    sink.attachment->has_data = true;
  }
}

std::size_t fixed_size(std::uint16_t base) {
  switch (base) {
    case 0x0002:  // PT_I2, padded
    case 0x0003:  // PT_LONG
    case 0x0004:  // PT_R4
    case 0x000A:  // PT_ERROR
    case 0x000B:  // PT_BOOLEAN, padded
      return 4;
    case 0x0005:  // PT_DOUBLE
    case 0x0006:  // PT_CURRENCY
    case 0x0007:  // PT_APPTIME
    case 0x0014:  // PT_I8
    case 0x0040:  // PT_SYSTIME
      return 8;
    case 0x0048:  // PT_CLSID
      return 16;
    default:
      return 0;
  }
}

// One encapsulated property list ([MS-OXTNEF] 2.1.3.4). Stops quietly at the first property
// it cannot account for: what came before it is kept.
void read_properties(std::string_view data, PropSink& sink) {
  Cursor c(data);
  std::uint32_t count = 0;
  if (!c.le(count)) return;
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint16_t type = 0, id = 0;
    if (!c.le(type) || !c.le(id)) return;
    if (id >= 0x8000) {  // a named property: GUID, then a number or a name
      std::uint32_t kind = 0, n = 0;
      if (!c.skip(16) || !c.le(kind) || !c.le(n)) return;
      if (kind == 1 && !c.skip(std::size_t{n} + (4 - n % 4) % 4)) return;
      if (kind > 1) return;
    }
    const std::uint16_t base = type & ~MV_FLAG;
    const bool variable =
        base == PT_STRING8 || base == PT_UNICODE || base == PT_BINARY || base == PT_OBJECT;
    std::uint32_t values = 1;
    if ((type & MV_FLAG) || variable) {
      if (!c.le(values) || values > c.left() / 4) return;
    }
    for (std::uint32_t v = 0; v < values; ++v) {
      std::string_view value;
      if (variable) {
        std::uint32_t len = 0;
        if (!c.le(len) || !c.bytes(len, value) ||
            !c.skip(std::min<std::size_t>((4 - len % 4) % 4, c.left())))
          return;
        if (base == PT_OBJECT) value = value.substr(std::min<std::size_t>(16, value.size()));
      } else {
        std::size_t size = fixed_size(base);
        if (size == 0 || !c.bytes(size, value)) return;
      }
      if (!(type & MV_FLAG)) keep_property(id, base, value, sink);
    }
  }
}

std::uint16_t checksum(std::string_view data) {
  std::uint32_t sum = 0;
  for (unsigned char ch : data) sum += ch;
  return static_cast<std::uint16_t>(sum & 0xFFFF);
}

class StreamReader {
 public:
  std::optional<TnefMessage> read(std::string_view bytes, std::string* error);

 private:
  void attribute(std::uint8_t level, std::uint16_t id, std::string_view data);
  void start_attachment();
  TnefAttachment& current();
  void finish_names();

  TnefMessage msg_;
  std::uint32_t codepage_ = 1252;
  std::vector<PropSink> names_;  // per attachment
};

void StreamReader::start_attachment() {
  msg_.attachments.emplace_back();
  names_.emplace_back();
}

TnefAttachment& StreamReader::current() {
  if (msg_.attachments.empty()) start_attachment();
  return msg_.attachments.back();
}

void StreamReader::attribute(std::uint8_t level, std::uint16_t id, std::string_view data) {
  if (level == kLevelMessage) {
    if (id == attBody) msg_.body = string8(data, codepage_);
    if (id == attOemCodepage && data.size() >= 4) {
      Cursor c(data);
      std::uint32_t cp = 0;
      if (c.le(cp) && cp != 0) codepage_ = cp;
    }
    if (id == attMsgProps) {
      PropSink sink;
      sink.codepage = codepage_;
      sink.body = &msg_.body;
      read_properties(data, sink);
    }
    return;
  }
  // Each attachment's attributes begin with attAttachRenddata; a writer that leaves it out
  // still gets one attachment per title or data attribute.
  if (id == attAttachRenddata) {
    start_attachment();
  } else if (id == attAttachTitle) {
    if (msg_.attachments.empty() || !names_.back().short_name.empty()) start_attachment();
    names_.back().short_name = string8(data, codepage_);
  } else if (id == attAttachData) {
    if (msg_.attachments.empty() || msg_.attachments.back().has_data) start_attachment();
    TnefAttachment& a = msg_.attachments.back();
    a.data = data;
    a.has_data = true;
  } else if (id == attAttachment) {
    TnefAttachment& a = current();
    PropSink& sink = names_.back();
    sink.codepage = codepage_;
    sink.attachment = &a;
    std::string title = sink.short_name;
    read_properties(data, sink);
    sink.attachment = nullptr;
    if (sink.short_name.empty()) sink.short_name = title;
  }
}

void StreamReader::finish_names() {
  for (std::size_t i = 0; i < msg_.attachments.size(); ++i) {
    const PropSink& n = names_[i];
    msg_.attachments[i].name = !n.long_name.empty()    ? n.long_name
                               : !n.short_name.empty() ? n.short_name
                                                       : n.display_name;
  }
}

std::optional<TnefMessage> StreamReader::read(std::string_view bytes, std::string* error) {
  Cursor c(bytes);
  std::uint32_t signature = 0;
  std::uint16_t key = 0;
  if (!c.le(signature) || signature != kSignature || !c.le(key)) {
    *error = "not a winmail.dat (no TNEF signature)";
    return std::nullopt;
  }
  while (c.left() > 0) {
    const std::size_t at = c.pos();
    std::uint8_t level = 0;
    std::uint32_t id = 0, length = 0;
    std::string_view data;
    std::uint16_t sum = 0;
    if (!c.le(level) || !c.le(id) || !c.le(length)) {
      msg_.damage = "cut short at byte " + std::to_string(at);
      break;
    }
    if (level != kLevelMessage && level != kLevelAttachment) {
      msg_.damage = "not an attribute at byte " + std::to_string(at);
      break;
    }
    if (!c.bytes(length, data) || !c.le(sum)) {
      msg_.damage = "cut short at byte " + std::to_string(at) + " (an attribute of " +
                    std::to_string(length) + " bytes)";
      break;
    }
    if (sum != checksum(data)) {
      msg_.damage = "checksum wrong at byte " + std::to_string(at);
      break;
    }
    attribute(level, static_cast<std::uint16_t>(id & 0xFFFF), data);
  }
  finish_names();
  return std::move(msg_);
}

}  // namespace

std::optional<TnefMessage> parse_tnef(std::string_view bytes, std::string* error) {
  return StreamReader().read(bytes, error);
}

}  // namespace closeout::extract
