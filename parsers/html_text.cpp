// SPDX-License-Identifier: GPL-3.0-or-later
// libxml2's HTML parser builds the tree; one iterative walk renders it (hostile mail can nest
// elements thousands deep, so no recursion). Table rows are rendered whole at their <tr>.
#include "html_text.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "charset.h"
#include "text_util.h"

namespace closeout {
namespace {

const char* name_of(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }

bool is(const xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE && std::strcmp(name_of(n), name) == 0;
}

bool is_any(const xmlNode* n, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (is(n, name)) return true;
  }
  return false;
}

bool hidden(const xmlNode* n) {
  if (n->type == XML_COMMENT_NODE) return true;
  if (n->type != XML_ELEMENT_NODE) return false;
  if (is_any(n, {"head", "title", "style", "script", "noscript", "template"})) return true;
  xmlChar* style = xmlGetProp(n, reinterpret_cast<const xmlChar*>("style"));
  if (!style) return false;
  std::string s = to_lower_ascii(reinterpret_cast<const char*>(style));
  xmlFree(style);
  std::erase_if(s, [](char c) { return c == ' ' || c == '\t'; });
  return s.find("display:none") != std::string::npos;
}

bool is_block(const xmlNode* n) {
  return is_any(
      n, {"p",       "div",    "tr",       "table", "ul",  "ol",      "li",      "h1",     "h2",
          "h3",      "h4",     "h5",       "h6",    "pre", "section", "article", "header", "footer",
          "address", "center", "dl",       "dt",    "dd",  "tbody",   "thead",   "tfoot",  "td",
          "th",      "form",   "fieldset", "main",  "nav", "aside",   "figure",  "caption"});
}

// The next node in document order after n's subtree, bounded by root.
const xmlNode* next_after(const xmlNode* n, const xmlNode* root) {
  while (n && n != root) {
    if (n->next) return n->next;
    n = n->parent;
  }
  return nullptr;
}

// Text of a subtree on one line: what a table cell says.
std::string cell_text(const xmlNode* cell) {
  std::string out;
  const xmlNode* n = cell->children;
  while (n) {
    if (hidden(n)) {
      n = next_after(n, cell);
      continue;
    }
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
      out += reinterpret_cast<const char*>(n->content);
    } else if (is(n, "br") || is_block(n)) {
      out += ' ';
    }
    if (n->type == XML_ELEMENT_NODE && n->children) {
      n = n->children;
    } else {
      n = next_after(n, cell);
    }
  }
  return collapse_spaces(out);
}

bool contains_table(const xmlNode* root) {
  for (const xmlNode* n = root->children; n;) {
    if (is(n, "table")) return true;
    n = (n->type == XML_ELEMENT_NODE && n->children) ? n->children : next_after(n, root);
  }
  return false;
}

std::vector<const xmlNode*> cells_of(const xmlNode* row) {
  std::vector<const xmlNode*> cells;
  for (const xmlNode* c = row->children; c; c = c->next) {
    if (is_any(c, {"td", "th"}) && !hidden(c)) cells.push_back(c);
  }
  return cells;
}

const xmlNode* next_row(const xmlNode* row) {
  for (const xmlNode* n = row->next; n; n = n->next) {
    if (is(n, "tr")) return n;
    if (n->type == XML_ELEMENT_NODE) return nullptr;
  }
  return nullptr;
}

std::string pair_line(std::string label, const std::string& value) {
  while (!label.empty() && (label.back() == ':' || label.back() == ' ')) label.pop_back();
  if (label.empty()) return value;
  return value.empty() ? label + ":" : label + ": " + value;
}

class Renderer {
 public:
  std::string render(const xmlNode* root);

 private:
  void enter(const xmlNode* n);  // returns via skip_children_ whether to descend
  void leave(const xmlNode* n);
  void text(const xmlNode* n);
  void render_row(const xmlNode* row);
  void end_line();
  void blank_line();
  void emit(const std::string& line);

  std::string out_;
  std::string line_;
  bool pending_space_ = false;
  int quote_depth_ = 0;
  int pre_depth_ = 0;
  bool skip_children_ = false;
  std::unordered_set<const xmlNode*> consumed_rows_;
};

void Renderer::emit(const std::string& line) {
  std::string prefix;
  for (int i = 0; i < quote_depth_; ++i) prefix += "> ";
  std::string full = prefix + line;
  while (!full.empty() && full.back() == ' ') full.pop_back();
  bool blank = trim(line).empty();
  // At most one blank line in a row.
  if (blank && (out_.empty() || out_.ends_with("\n\n") ||
                (quote_depth_ > 0 && out_.ends_with(full + "\n")))) {
    return;
  }
  out_ += full;
  out_ += '\n';
}

void Renderer::end_line() {
  if (!trim(line_).empty()) emit(line_);
  line_.clear();
  pending_space_ = false;
}

void Renderer::blank_line() {
  end_line();
  emit("");
}

void Renderer::text(const xmlNode* n) {
  std::string_view t = reinterpret_cast<const char*>(n->content);
  if (pre_depth_ > 0) {
    auto lines = split_lines(t);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) {
        emit(line_);
        line_.clear();
      }
      line_ += lines[i];
    }
    if (!t.empty() && (t.back() == '\n')) end_line();
    return;
  }
  bool leading_space = !t.empty() && (std::isspace(static_cast<unsigned char>(t.front())) ||
                                      t.rfind("\xC2\xA0", 0) == 0);
  std::string collapsed = collapse_spaces(t);
  if (collapsed.empty()) {
    pending_space_ = pending_space_ || !line_.empty();
    return;
  }
  if ((pending_space_ || leading_space) && !line_.empty()) line_ += ' ';
  line_ += collapsed;
  std::size_t tail = t.find_last_not_of(" \t\r\n");
  pending_space_ = tail != std::string_view::npos && tail + 1 < t.size();
}

void Renderer::render_row(const xmlNode* row) {
  end_line();
  const auto cells = cells_of(row);
  std::vector<std::string> texts;
  texts.reserve(cells.size());
  for (const xmlNode* c : cells) texts.push_back(cell_text(c));
  const bool all_th = !cells.empty() &&
                      std::all_of(cells.begin(), cells.end(), [](auto* c) { return is(c, "th"); });
  if (all_th && cells.size() >= 2) {
    if (const xmlNode* next = next_row(row)) {
      auto values = cells_of(next);
      if (values.size() == cells.size() &&
          std::none_of(values.begin(), values.end(), [](auto* c) { return is(c, "th"); })) {
        for (std::size_t i = 0; i < cells.size(); ++i)
          emit(pair_line(texts[i], cell_text(values[i])));
        consumed_rows_.insert(next);
        return;
      }
    }
  }
  if (texts.size() == 2) {
    if (!texts[0].empty() || !texts[1].empty()) emit(pair_line(texts[0], texts[1]));
    return;
  }
  const bool pairs = texts.size() > 2 && texts.size() % 2 == 0 && [&] {
    for (std::size_t i = 0; i < texts.size(); i += 2) {
      if (texts[i].empty() || texts[i].size() > 60) return false;
    }
    return true;
  }();
  if (pairs) {
    for (std::size_t i = 0; i < texts.size(); i += 2) emit(pair_line(texts[i], texts[i + 1]));
    return;
  }
  std::string joined;
  for (const auto& t : texts) {
    if (t.empty()) continue;
    joined += (joined.empty() ? "" : " | ") + t;
  }
  if (!joined.empty()) emit(joined);
}

void Renderer::enter(const xmlNode* n) {
  skip_children_ = false;
  if (hidden(n)) {
    skip_children_ = true;
    return;
  }
  if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
    text(n);
    return;
  }
  if (n->type != XML_ELEMENT_NODE) return;
  if (is(n, "tr")) {
    skip_children_ = true;
    if (consumed_rows_.count(n)) return;
    // A layout row holding a whole table renders its cells as blocks instead.
    bool layout = false;
    for (const xmlNode* c : cells_of(n)) layout = layout || contains_table(c);
    if (!layout) {
      render_row(n);
      return;
    }
    skip_children_ = false;
  }
  if (is(n, "br")) {
    emit(line_);
    line_.clear();
    pending_space_ = false;
    return;
  }
  if (is(n, "hr")) {
    end_line();
    emit(std::string(32, '_'));
    return;
  }
  if (is(n, "img")) {
    xmlChar* alt = xmlGetProp(n, reinterpret_cast<const xmlChar*>("alt"));
    if (alt) {
      std::string a = collapse_spaces(reinterpret_cast<const char*>(alt));
      xmlFree(alt);
      if (!a.empty()) {
        if (!line_.empty()) line_ += ' ';
        line_ += a;
      }
    }
    return;
  }
  if (is(n, "blockquote")) {
    end_line();
    ++quote_depth_;
    return;
  }
  if (is(n, "pre")) ++pre_depth_;
  if (is_block(n)) end_line();
  if (is(n, "li")) line_ = "- ";
}

void Renderer::leave(const xmlNode* n) {
  if (n->type != XML_ELEMENT_NODE || hidden(n)) return;
  if (is(n, "blockquote")) {
    end_line();
    --quote_depth_;
    return;
  }
  if (is(n, "pre")) --pre_depth_;
  if (is(n, "p")) {
    blank_line();
  } else if (is_block(n)) {
    end_line();
  }
}

std::string Renderer::render(const xmlNode* root) {
  const xmlNode* n = root;
  while (n) {
    enter(n);
    if (!skip_children_ && n->children) {
      n = n->children;
      continue;
    }
    // Leave n and every ancestor whose last child we just finished.
    for (;;) {
      if (n != root) leave(n);
      if (n == root) {
        n = nullptr;
        break;
      }
      if (n->next) {
        n = n->next;
        break;
      }
      n = n->parent;
      if (n == root) {
        leave(n);
        n = nullptr;
        break;
      }
    }
  }
  end_line();
  while (out_.ends_with("\n\n")) out_.pop_back();
  return out_;
}

extern "C" void ignore_generic_error(void*, const char*, ...) {}
extern "C" void ignore_structured_error(void*, xmlErrorPtr) {}

void quiet_libxml() {
  // libxml2's default error handlers print to stderr; the daemon's output must stay clean.
  // Its error callbacks are per thread, so set them on every thread that parses.
  thread_local bool done = false;
  if (done) return;
  done = true;
  xmlSetGenericErrorFunc(nullptr, ignore_generic_error);
  xmlSetStructuredErrorFunc(nullptr, ignore_structured_error);
}

}  // namespace

std::string html_to_text(std::string_view html) {
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });
  quiet_libxml();
  if (html.empty()) return {};
  const int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                      HTML_PARSE_NONET | HTML_PARSE_COMPACT;
  htmlDocPtr doc =
      htmlReadMemory(html.data(), static_cast<int>(std::min<std::size_t>(html.size(), 1u << 30)),
                     nullptr, "UTF-8", options);
  if (!doc) return {};
  std::string text;
  if (const xmlNode* root = xmlDocGetRootElement(doc)) text = Renderer().render(root);
  xmlFreeDoc(doc);
  return is_valid_utf8(text) ? text : repair_utf8(text);
}

}  // namespace closeout
