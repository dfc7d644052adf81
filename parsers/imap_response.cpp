// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap_response.h"

#include <algorithm>
#include <charconv>

#include "text_util.h"

namespace closeout::imap {

namespace {

constexpr std::size_t kCompactAfter = 64 * 1024;

template <typename Number>
std::optional<Number> to_number(std::string_view s) {
  Number value{};
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// "{123}" or "{123+}" at the end of a line announces a literal of 123 bytes.
std::optional<std::size_t> trailing_literal(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  auto open = line.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  auto digits = line.substr(open + 1, line.size() - open - 2);
  if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
  return to_number<std::size_t>(digits);
}

// Walks the line of one response. Literals appear in the line as "{N}" and are taken, in
// order, from the response's literal list.
class Cursor {
 public:
  Cursor(const Response& r) : r_(r), s_(r.line) {}

  void skip_spaces() {
    while (pos_ < s_.size() && s_[pos_] == ' ') ++pos_;
  }
  bool at_end() const { return pos_ >= s_.size(); }
  bool eat(char c) {
    skip_spaces();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // An atom, number, or the name of a fetch item such as BODY[] or BODY[HEADER.FIELDS (X)].
  std::string_view atom() {
    skip_spaces();
    auto begin = pos_;
    int brackets = 0;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '[') ++brackets;
      if (c == ']') --brackets;
      if (brackets == 0 && (c == ' ' || c == '(' || c == ')' || c == '{' || c == '"')) break;
      ++pos_;
    }
    return s_.substr(begin, pos_ - begin);
  }
  // A string value: quoted, literal, atom or NIL (nothing).
  std::optional<std::string> string_value(std::optional<std::size_t>* literal_index = nullptr) {
    skip_spaces();
    if (pos_ >= s_.size()) return std::nullopt;
    if (s_[pos_] == '"') {
      std::string out;
      for (++pos_; pos_ < s_.size() && s_[pos_] != '"'; ++pos_) {
        if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
        out += s_[pos_];
      }
      ++pos_;
      return out;
    }
    if (s_[pos_] == '{') {
      // Step over it even when it announces no literal (it was not at a line's end), so that
      // no caller loops on the same brace.
      auto close = s_.find('}', pos_);
      pos_ = close == std::string_view::npos ? s_.size() : close + 1;
      if (close == std::string_view::npos || literal_ >= r_.literals.size()) return std::nullopt;
      if (literal_index) *literal_index = literal_;
      return r_.literals[literal_++];
    }
    auto a = atom();
    if (iequals(a, "NIL")) return std::nullopt;
    return std::string(a);
  }
  // Skips one value of any shape, nested lists included; false when a list is not closed.
  // A loop with a depth count, not recursion: a hostile server's line of 100k '(' must not
  // overflow the stack.
  bool skip_value() {
    std::size_t depth = 0;
    do {
      skip_spaces();
      if (pos_ >= s_.size()) return depth == 0;
      const char c = s_[pos_];
      if (c == '(') {
        ++depth;
        ++pos_;
      } else if (c == ')' && depth > 0) {
        --depth;
        ++pos_;
      } else if (c == '"' || c == '{') {
        (void)string_value();
      } else if (atom().empty()) {
        ++pos_;  // a stray character: step over it rather than loop
      }
    } while (depth > 0);
    return true;
  }

 private:
  const Response& r_;
  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t literal_ = 0;
};

}  // namespace

ResponseReader::ResponseReader(std::size_t max_literal_bytes, std::size_t max_line_bytes,
                               bool drop_oversize_literals)
    : max_literal_(max_literal_bytes),
      max_line_(max_line_bytes),
      drop_oversize_(drop_oversize_literals) {}

void ResponseReader::feed(std::string_view bytes) {
  if (start_ > kCompactAfter && start_ * 2 > buffer_.size()) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

bool ResponseReader::read_line(std::string_view& line) {
  auto end = buffer_.find('\n', start_);
  if (end == std::string::npos) {
    if (buffer_.size() - start_ > max_line_)
      throw ImapProtocolError("the server sent a line longer than " + std::to_string(max_line_) +
                              " bytes");
    return false;
  }
  line = std::string_view(buffer_).substr(start_, end - start_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  start_ = end + 1;
  return true;
}

std::optional<Response> ResponseReader::next() {
  for (;;) {
    if (!in_response_) {
      partial_ = Response{};
      in_response_ = true;
    }
    // A literal being dropped is consumed as it arrives, so it never occupies memory.
    if (dropping_ > 0) {
      std::size_t take = std::min(dropping_, buffer_.size() - start_);
      start_ += take;
      dropping_ -= take;
      if (dropping_ > 0) return std::nullopt;
    }
    // A literal announced by the previous line is read by count, never by line ends.
    if (pending_literal_) {
      if (buffer_.size() - start_ < *pending_literal_) return std::nullopt;
      partial_.literals.emplace_back(buffer_, start_, *pending_literal_);
      start_ += *pending_literal_;
      pending_literal_.reset();
    }
    std::string_view line;
    if (!read_line(line)) return std::nullopt;
    if (partial_.line.size() + line.size() > max_line_)
      throw ImapProtocolError("the server sent a response longer than " +
                              std::to_string(max_line_) + " bytes");
    partial_.line.append(line);
    if (auto size = trailing_literal(line)) {
      if (*size > max_literal_ && drop_oversize_) {
        partial_.dropped.push_back({partial_.literals.size(), *size});
        partial_.literals.emplace_back();
        dropping_ = *size;
        continue;
      }
      if (*size > max_literal_)
        throw ImapProtocolError("the server announced " + std::to_string(*size) +
                                " bytes of literal data; the limit is " +
                                std::to_string(max_literal_));
      pending_literal_ = size;
      continue;
    }
    in_response_ = false;
    Response done = std::move(partial_);
    std::string_view text = done.line;
    if (text.starts_with("* ")) {
      done.kind = Response::Kind::untagged;
      done.line.erase(0, 2);
    } else if (text.starts_with("+")) {
      done.kind = Response::Kind::continuation;
      done.line.erase(0, text.starts_with("+ ") ? 2 : 1);
    } else {
      auto space = text.find(' ');
      done.kind = Response::Kind::tagged;
      done.tag = std::string(text.substr(0, space));
      done.line.erase(0, space == std::string_view::npos ? done.line.size() : space + 1);
    }
    return done;
  }
}

std::optional<Status> parse_status(const Response& r) {
  std::string_view s = r.line;
  auto space = s.find(' ');
  auto word = to_upper_ascii(s.substr(0, space));
  if (word != "OK" && word != "NO" && word != "BAD" && word != "BYE" && word != "PREAUTH")
    return std::nullopt;
  Status st{word, "", ""};
  s = space == std::string_view::npos ? std::string_view{} : s.substr(space + 1);
  if (s.starts_with('[')) {
    auto close = s.find(']');
    if (close != std::string_view::npos) {
      st.code = std::string(s.substr(1, close - 1));
      s = trim(s.substr(close + 1));
    }
  }
  st.text = std::string(s);
  return st;
}

std::optional<std::uint32_t> parse_exists(const Response& r) {
  if (r.kind != Response::Kind::untagged) return std::nullopt;
  std::string_view s = r.line;
  auto space = s.find(' ');
  if (space == std::string_view::npos || !iequals(s.substr(space + 1), "EXISTS"))
    return std::nullopt;
  return to_number<std::uint32_t>(s.substr(0, space));
}

std::optional<std::vector<std::uint32_t>> parse_search(const Response& r) {
  if (r.kind != Response::Kind::untagged) return std::nullopt;
  std::string_view s = r.line;
  if (!istarts_with(s, "SEARCH") || (s.size() > 6 && s[6] != ' ')) return std::nullopt;
  std::vector<std::uint32_t> out;
  s.remove_prefix(6);
  while (!s.empty()) {
    s = trim(s);
    auto space = s.find(' ');
    auto word = s.substr(0, space);
    if (auto n = to_number<std::uint32_t>(word)) out.push_back(*n);
    if (space == std::string_view::npos) break;
    s.remove_prefix(space);
  }
  return out;
}

std::optional<std::vector<std::string>> parse_capabilities(const Response& r) {
  std::string_view s = r.line;
  // Declared out here: s may point into its code, which must outlive the loop below.
  const std::optional<Status> st = parse_status(r);
  if (st && istarts_with(st->code, "CAPABILITY ")) {
    s = st->code;
  } else if (r.kind != Response::Kind::untagged || !istarts_with(s, "CAPABILITY ")) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  s.remove_prefix(std::string_view("CAPABILITY ").size());
  while (!s.empty()) {
    auto space = s.find(' ');
    if (space != 0) out.push_back(to_upper_ascii(s.substr(0, space)));
    if (space == std::string_view::npos) break;
    s.remove_prefix(space + 1);
  }
  return out;
}

std::optional<std::uint32_t> code_number(std::string_view code, std::string_view name) {
  if (!istarts_with(code, name) || code.size() <= name.size() + 1 || code[name.size()] != ' ')
    return std::nullopt;
  return to_number<std::uint32_t>(trim(code.substr(name.size() + 1)));
}

std::optional<FetchItem> parse_fetch(const Response& r) {
  if (r.kind != Response::Kind::untagged) return std::nullopt;
  Cursor c(r);
  FetchItem item;
  auto seq = to_number<std::uint32_t>(c.atom());
  if (!seq || !iequals(c.atom(), "FETCH") || !c.eat('(')) return std::nullopt;
  item.sequence = *seq;
  while (!c.at_end() && !c.eat(')')) {
    auto name = to_upper_ascii(c.atom());
    if (name.empty()) return std::nullopt;
    if (name == "UID") {
      item.uid = to_number<std::uint32_t>(c.atom());
    } else if (name == "RFC822.SIZE") {
      item.size = to_number<std::uint64_t>(c.atom());
    } else if (name == "FLAGS") {
      if (!c.eat('(')) return std::nullopt;
      while (!c.eat(')')) {
        auto flag = c.atom();
        if (flag.empty()) return std::nullopt;  // unterminated, or a list inside: not flags
        item.flags.emplace_back(flag);
      }
    } else if (name == "BODY[]" || name == "RFC822" || name == "BINARY[]") {
      std::optional<std::size_t> index;
      (void)c.string_value(&index);
      item.body = index;
    } else if (!c.skip_value()) {
      return std::nullopt;
    }
  }
  return item;
}

std::optional<std::string> parse_list_name(const Response& r) {
  if (r.kind != Response::Kind::untagged) return std::nullopt;
  Cursor c(r);
  auto word = c.atom();
  if (!iequals(word, "LIST") && !iequals(word, "LSUB")) return std::nullopt;
  if (!c.skip_value()) return std::nullopt;  // attributes
  (void)c.string_value();                    // hierarchy delimiter
  return c.string_value();
}

}  // namespace closeout::imap
