// SPDX-License-Identifier: GPL-3.0-or-later
// Elements are matched by local name (w:, and w14: for Word 2010 check boxes), so documents in
// the transitional and the strict OOXML namespaces read alike. Recursion follows the XML tree,
// which libxml2 caps at 256 levels without XML_PARSE_HUGE.
#include "docx_body.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <utility>

#include "text_util.h"

namespace closeout::extract {
namespace {

using Lines = std::vector<std::string>;

constexpr std::size_t kMaxPairedCells = 64;

bool named(const xmlNode* n, const char* local) {
  return n->type == XML_ELEMENT_NODE &&
         std::strcmp(reinterpret_cast<const char*>(n->name), local) == 0;
}

const xmlNode* child(const xmlNode* n, const char* local) {
  if (!n) return nullptr;
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (named(c, local)) return c;
  }
  return nullptr;
}

std::optional<std::string> attr(const xmlNode* n, const char* local) {
  if (!n) return std::nullopt;
  for (const xmlAttr* a = n->properties; a; a = a->next) {
    if (std::strcmp(reinterpret_cast<const char*>(a->name), local) != 0) continue;
    xmlChar* v = xmlNodeListGetString(n->doc, a->children, 1);
    std::string s = v ? reinterpret_cast<const char*>(v) : "";
    xmlFree(v);
    return s;
  }
  return std::nullopt;
}

// An OOXML on/off property: present means on, unless its val says otherwise.
bool on(const xmlNode* property) {
  if (!property) return false;
  auto v = attr(property, "val");
  return !v || !(*v == "0" || *v == "false" || *v == "off");
}

// Blank also means the spaces Word fills an empty text form field with (U+2002) and other
// Unicode spaces that survive trim().
std::string_view trim_blank(std::string_view s) {
  static constexpr std::string_view spaces[] = {"\u2002", "\u2003", "\u2009", "\u200b", "\u3000"};
  for (;;) {
    std::string_view before = s;
    s = trim(s);
    for (auto sp : spaces) {
      while (s.substr(0, sp.size()) == sp) s.remove_prefix(sp.size());
      while (s.size() >= sp.size() && s.substr(s.size() - sp.size()) == sp)
        s.remove_suffix(sp.size());
    }
    if (s == before) return s;
  }
}

std::string join(const Lines& lines, std::size_t from, char sep) {
  std::string out;
  for (std::size_t i = from; i < lines.size(); ++i) {
    if (i > from) out.push_back(sep);
    out += lines[i];
  }
  return out;
}

// A legacy form field between its fldChar "begin" and "end".
struct OpenField {
  enum class Kind { other, text, checkbox, dropdown } kind = Kind::other;
  std::string name;
  bool in_result = false;
  std::string result;
  bool checked = false;
  std::vector<std::string> entries;
  std::size_t selected = 0;
};

OpenField field_from_ffdata(const xmlNode* ff) {
  OpenField f;
  if (!ff) return f;
  f.name = std::string(trim(attr(child(ff, "name"), "val").value_or("")));
  if (child(ff, "textInput")) {
    f.kind = OpenField::Kind::text;
  } else if (const xmlNode* box = child(ff, "checkBox")) {
    f.kind = OpenField::Kind::checkbox;
    const xmlNode* checked = child(box, "checked");
    f.checked = checked ? on(checked) : attr(child(box, "default"), "val").value_or("0") == "1";
  } else if (const xmlNode* list = child(ff, "ddList")) {
    f.kind = OpenField::Kind::dropdown;
    for (const xmlNode* c = list->children; c; c = c->next) {
      if (named(c, "listEntry")) f.entries.push_back(attr(c, "val").value_or(""));
    }
    auto pick = attr(child(list, "result"), "val");
    if (!pick) pick = attr(child(list, "default"), "val");
    if (pick) f.selected = std::strtoul(pick->c_str(), nullptr, 10);
  }
  return f;
}

bool has_descendant(const xmlNode* n, const char* local) {
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next) {
    if (named(c, local) || has_descendant(c, local)) return true;
  }
  return false;
}

// "Click or tap here to enter text.": Word's prompt in an unfilled content control. It is
// neither the control's value nor text anyone typed, so it leaves the text flow too.
bool showing_placeholder(const xmlNode* sdt) {
  return on(child(child(sdt, "sdtPr"), "showingPlcHdr"));
}

class BodyWalker {
 public:
  explicit BodyWalker(const FormDefinition& form) : form_(form) {}

  void blocks(const xmlNode* parent, Lines& lines);
  DocxBody take(const Lines& lines);

 private:
  struct Cell {
    std::string text;
    int col = 0;
    bool label = false;
  };
  using Row = std::vector<Cell>;

  void paragraph(const xmlNode* p, Lines& lines);
  void inline_content(const xmlNode* parent, std::string& line);
  void run(const xmlNode* r, std::string& line);
  void emit(std::string& line, std::string_view text);
  void text_boxes(const xmlNode* shape);
  OpenField* collecting();
  void field_char(const xmlNode* fld, std::string& line);
  void record(std::string name, std::string value);
  void content_control(const xmlNode* sdt, std::string_view value);
  void table(const xmlNode* tbl, Lines& lines);
  void collect_rows(const xmlNode* parent, std::vector<const xmlNode*>& rows);
  Row cells_of(const xmlNode* tr);
  // A cell, and the content control wrapped around the whole cell if there is one.
  struct CellNode {
    const xmlNode* tc;
    const xmlNode* sdt;
  };
  void cell_nodes(const xmlNode* parent, const xmlNode* sdt, std::vector<CellNode>& cells);
  bool is_label(std::string_view cell) const;
  static void emit_pair(std::string_view label, std::string_view value, Lines& lines);
  bool emit_in_row_pairs(const Row& row, Lines& lines) const;
  bool emit_two_row_pairs(const Row& labels, const Row& values, Lines& lines) const;

  const FormDefinition& form_;
  static constexpr std::size_t kMaxOpenFields = 64;
  std::vector<OpenField> open_;
  std::size_t ignored_fields_ = 0;
  Lines boxes_;  // text boxes met in the paragraph being read
  DocxBody out_;
};

void BodyWalker::blocks(const xmlNode* parent, Lines& lines) {
  for (const xmlNode* c = parent ? parent->children : nullptr; c; c = c->next) {
    if (named(c, "p")) {
      paragraph(c, lines);
    } else if (named(c, "tbl")) {
      table(c, lines);
    } else if (named(c, "sdt")) {
      std::size_t before = lines.size();
      blocks(child(c, "sdtContent"), lines);
      content_control(c, join(lines, before, '\n'));
      if (showing_placeholder(c)) lines.resize(before);
    } else if (named(c, "customXml") || named(c, "ins") || named(c, "moveTo")) {
      blocks(c, lines);
    }
  }
}

void BodyWalker::paragraph(const xmlNode* p, Lines& lines) {
  std::string line;
  Lines outer_boxes = std::exchange(boxes_, {});
  inline_content(p, line);
  Lines boxes = std::exchange(boxes_, std::move(outer_boxes));
  // A field's result may run over several paragraphs.
  if (OpenField* f = collecting()) f->result.push_back('\n');
  lines.push_back(std::move(line));
  // Text boxes anchored in the paragraph follow it.
  for (auto& b : boxes) lines.push_back(std::move(b));
}

void BodyWalker::inline_content(const xmlNode* parent, std::string& line) {
  for (const xmlNode* c = parent ? parent->children : nullptr; c; c = c->next) {
    if (named(c, "r")) {
      run(c, line);
    } else if (named(c, "sdt")) {
      std::size_t before = line.size();
      inline_content(child(c, "sdtContent"), line);
      content_control(c, line.substr(before));
      if (showing_placeholder(c)) line.resize(before);
    } else if (named(c, "hyperlink") || named(c, "smartTag") || named(c, "ins") ||
               named(c, "customXml") || named(c, "fldSimple") || named(c, "dir") ||
               named(c, "bdo") || named(c, "moveTo")) {
      inline_content(c, line);
    }
    // w:del and w:moveFrom are text taken out with track changes on; maths is not where a
    // form's values are typed.
  }
}

void BodyWalker::run(const xmlNode* r, std::string& line) {
  for (const xmlNode* c = r->children; c; c = c->next) {
    if (named(c, "t")) {
      xmlChar* t = xmlNodeGetContent(c);
      if (t) emit(line, reinterpret_cast<const char*>(t));
      xmlFree(t);
    } else if (named(c, "tab") || named(c, "ptab")) {
      emit(line, "\t");
    } else if (named(c, "br") || named(c, "cr")) {
      emit(line, "\n");
    } else if (named(c, "noBreakHyphen")) {
      emit(line, "-");
    } else if (named(c, "fldChar")) {
      field_char(c, line);
    } else if (named(c, "AlternateContent")) {
      // The same shape twice: DrawingML in mc:Choice, VML in mc:Fallback. One of them.
      const xmlNode* pick = child(c, "Choice");
      text_boxes(pick ? pick : child(c, "Fallback"));
    } else if (named(c, "drawing") || named(c, "pict")) {
      text_boxes(c);
    }
  }
}

// Only the innermost field collects its result (Word does not nest form fields), so a hostile
// pile of unclosed fields costs nothing per character.
OpenField* BodyWalker::collecting() {
  if (open_.empty() || ignored_fields_ > 0) return nullptr;
  OpenField& f = open_.back();
  return f.in_result && f.kind == OpenField::Kind::text ? &f : nullptr;
}

void BodyWalker::text_boxes(const xmlNode* shape) {
  for (const xmlNode* c = shape ? shape->children : nullptr; c; c = c->next) {
    if (named(c, "txbxContent"))
      blocks(c, boxes_);
    else
      text_boxes(c);
  }
}

void BodyWalker::emit(std::string& line, std::string_view text) {
  line += text;
  if (OpenField* f = collecting()) f->result += text;
}

void BodyWalker::field_char(const xmlNode* fld, std::string& line) {
  std::string type = attr(fld, "fldCharType").value_or("");
  // Fields nested deeper than kMaxOpenFields are counted, not kept, so "end" still pairs up.
  if (type == "begin") {
    if (open_.size() < kMaxOpenFields && ignored_fields_ == 0)
      open_.push_back(field_from_ffdata(child(fld, "ffData")));
    else
      ++ignored_fields_;
  } else if (ignored_fields_ > 0) {
    if (type == "end") --ignored_fields_;
  } else if (type == "separate" && !open_.empty()) {
    open_.back().in_result = true;
  } else if (type == "end" && !open_.empty()) {
    OpenField f = std::move(open_.back());
    open_.pop_back();
    switch (f.kind) {
      case OpenField::Kind::text:
        record(f.name, std::string(trim_blank(f.result)));
        break;
      // Check boxes and drop-downs have no result text: Word draws them. The text flow gets
      // what is on screen, so "Call Status: Completed" reads as typed.
      case OpenField::Kind::checkbox:
        emit(line, f.checked ? "\u2612" : "\u2610");
        record(f.name, f.checked ? "Yes" : "Off");
        break;
      case OpenField::Kind::dropdown: {
        std::string value = f.selected < f.entries.size() ? f.entries[f.selected] : "";
        emit(line, value);
        record(f.name, std::move(value));
        break;
      }
      case OpenField::Kind::other:
        break;
    }
  }
}

void BodyWalker::record(std::string name, std::string value) {
  if (name.empty()) return;
  if (!value.empty() && value != "Off") out_.any_field_value = true;
  out_.form_fields.emplace_back(std::move(name), std::move(value));
}

void BodyWalker::content_control(const xmlNode* sdt, std::string_view value) {
  const xmlNode* pr = child(sdt, "sdtPr");
  if (!pr) return;
  // Building blocks, citations and group controls hold document furniture, not a value; a
  // control holding other controls is a container, and the ones inside are the fields.
  for (const char* furniture :
       {"docPartObj", "docPartList", "citation", "bibliography", "equation", "group", "picture"}) {
    if (child(pr, furniture)) return;
  }
  if (has_descendant(child(sdt, "sdtContent"), "sdt")) return;
  std::string name(trim(attr(child(pr, "tag"), "val").value_or("")));
  if (name.empty()) name = trim(attr(child(pr, "alias"), "val").value_or(""));
  if (const xmlNode* box = child(pr, "checkbox")) {
    record(std::move(name), on(child(box, "checked")) ? "Yes" : "Off");
  } else if (on(child(pr, "showingPlcHdr"))) {
    record(std::move(name), "");  // "Click or tap here to enter text."
  } else {
    record(std::move(name), std::string(trim_blank(value)));
  }
}

// ---------------------------------------------------------------- tables

void BodyWalker::collect_rows(const xmlNode* parent, std::vector<const xmlNode*>& rows) {
  for (const xmlNode* c = parent->children; c; c = c->next) {
    if (named(c, "tr")) {
      rows.push_back(c);
    } else if (named(c, "sdt")) {
      if (const xmlNode* content = child(c, "sdtContent")) collect_rows(content, rows);
    } else if (named(c, "customXml")) {
      collect_rows(c, rows);
    }
  }
}

void BodyWalker::cell_nodes(const xmlNode* parent, const xmlNode* sdt,
                            std::vector<CellNode>& cells) {
  for (const xmlNode* c = parent->children; c; c = c->next) {
    if (named(c, "tc")) {
      cells.push_back({c, sdt});
    } else if (named(c, "sdt")) {
      if (const xmlNode* content = child(c, "sdtContent")) cell_nodes(content, c, cells);
    } else if (named(c, "customXml")) {
      cell_nodes(c, sdt, cells);
    }
  }
}

std::string tidy_cell(const Lines& lines) {
  std::string out;
  for (const auto& raw : lines) {
    for (auto l : split_lines(raw)) {
      std::string_view t = trim_blank(l);
      if (t.empty()) continue;
      if (!out.empty()) out.push_back('\n');
      out += t;
    }
  }
  return out;
}

BodyWalker::Row BodyWalker::cells_of(const xmlNode* tr) {
  Row row;
  const xmlNode* tr_pr = child(tr, "trPr");
  long before =
      std::strtol(attr(child(tr_pr, "gridBefore"), "val").value_or("0").c_str(), nullptr, 10);
  int col = static_cast<int>(std::clamp(before, 0L, 64L));
  std::vector<CellNode> tcs;
  cell_nodes(tr, nullptr, tcs);
  for (const auto& [tc, sdt] : tcs) {
    const xmlNode* tc_pr = child(tc, "tcPr");
    int span = static_cast<int>(
        std::strtol(attr(child(tc_pr, "gridSpan"), "val").value_or("1").c_str(), nullptr, 10));
    Lines cell_lines;
    blocks(tc, cell_lines);
    Cell cell{tidy_cell(cell_lines), col, false};
    if (sdt) {
      content_control(sdt, cell.text);
      if (showing_placeholder(sdt)) cell.text.clear();
    }
    // A vertically merged cell repeats the one above it only on screen.
    const xmlNode* vmerge = child(tc_pr, "vMerge");
    if (vmerge && attr(vmerge, "val").value_or("continue") != "restart") cell.text.clear();
    cell.label = is_label(cell.text);
    row.push_back(std::move(cell));
    col += std::clamp(span, 1, 64);
  }
  return row;
}

bool BodyWalker::is_label(std::string_view cell) const {
  if (cell.empty() || cell.size() > 80 || cell.find('\n') != std::string_view::npos) return false;
  if (cell.back() == ':') return true;
  return form_.field_for_label(FormDefinition::normalize_label(cell)) != nullptr;
}

void BodyWalker::emit_pair(std::string_view label, std::string_view value, Lines& lines) {
  std::string_view l = trim_blank(label);
  while (!l.empty() && l.back() == ':') l = trim_blank(l.substr(0, l.size() - 1));
  auto value_lines = split_lines(value);
  std::string first(l);
  first += ':';
  if (!value_lines.empty()) (first += ' ') += value_lines.front();
  lines.push_back(std::move(first));
  // Further lines of the value are indented, which is how the label finder continues a value.
  for (std::size_t i = 1; i < value_lines.size(); ++i)
    lines.push_back("  " + std::string(value_lines[i]));
}

// "Label | value" or "Label | value | Label | value": every even cell a label, every odd one
// not (an empty value is a blank on the form, still answered).
bool BodyWalker::emit_in_row_pairs(const Row& row, Lines& lines) const {
  std::size_t n = row.size();
  if (n % 2 == 1 && n > 1 && row.back().text.empty()) --n;
  if (n < 2 || n % 2 == 1) return false;
  for (std::size_t i = 0; i < n; i += 2) {
    if (!row[i].label || row[i + 1].label) return false;
  }
  for (std::size_t i = 0; i < n; i += 2) emit_pair(row[i].text, row[i + 1].text, lines);
  return true;
}

// A row of labels with the values in the row below, matched by grid column.
bool BodyWalker::emit_two_row_pairs(const Row& labels, const Row& values, Lines& lines) const {
  // Matching columns is quadratic; a form's rows are a handful of cells wide.
  if (labels.size() > kMaxPairedCells || values.size() > kMaxPairedCells) return false;
  bool any_label = false;
  for (const auto& c : labels) {
    if (!c.text.empty() && !c.label) return false;
    any_label = any_label || c.label;
  }
  if (!any_label) return false;
  for (const auto& c : values) {
    if (c.label) return false;
  }
  auto below = [&](int col) -> const Cell* {
    for (const auto& v : values) {
      if (v.col == col) return &v;
    }
    return nullptr;
  };
  for (const auto& c : labels) {
    if (c.label && !below(c.col)) return false;
  }
  for (const auto& c : labels) {
    if (c.label) emit_pair(c.text, below(c.col)->text, lines);
  }
  return true;
}

void BodyWalker::table(const xmlNode* tbl, Lines& lines) {
  std::vector<const xmlNode*> trs;
  collect_rows(tbl, trs);
  std::vector<Row> rows;
  rows.reserve(trs.size());
  for (const xmlNode* tr : trs) rows.push_back(cells_of(tr));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (emit_in_row_pairs(rows[r], lines)) continue;
    if (r + 1 < rows.size() && emit_two_row_pairs(rows[r], rows[r + 1], lines)) {
      ++r;
      continue;
    }
    // Anything else: a one-cell row keeps its lines, cells of a wider row are joined by tabs.
    if (rows[r].size() == 1) {
      for (auto l : split_lines(rows[r][0].text)) lines.emplace_back(l);
      continue;
    }
    std::string line;
    for (const auto& c : rows[r]) {
      if (c.text.empty()) continue;
      if (!line.empty()) line.push_back('\t');
      std::string text = c.text;
      std::replace(text.begin(), text.end(), '\n', ' ');
      line += text;
    }
    if (!line.empty()) lines.push_back(std::move(line));
  }
}

std::string_view trim_blank_right(std::string_view s) {
  std::string_view t = trim_blank(s);
  return s.substr(0, t.empty() ? 0 : static_cast<std::size_t>(t.data() - s.data()) + t.size());
}

DocxBody BodyWalker::take(const Lines& lines) {
  // Right-trimmed, blank runs made one blank line, none at the ends. A line break inside a
  // paragraph (w:br) indents what follows, so a value typed over two lines stays one value.
  std::string text;
  bool blank_pending = false;
  for (const auto& raw : lines) {
    bool first = true;
    for (auto l : split_lines(raw)) {
      std::string_view t = trim_blank_right(l);
      bool continuation = !first;
      first = false;
      if (t.empty()) {
        blank_pending = !text.empty();
        continue;
      }
      if (blank_pending) text.push_back('\n');
      blank_pending = false;
      if (continuation && t.front() != ' ' && t.front() != '\t') text += "  ";
      text += t;
      text.push_back('\n');
    }
  }
  out_.text = std::move(text);
  return std::move(out_);
}

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
struct CtxtFree {
  void operator()(xmlParserCtxt* c) const { xmlFreeParserCtxt(c); }
};

}  // namespace

DocxBodyReading read_docx_body(std::string_view xml, const FormDefinition& form) {
  DocxBodyReading reading;
  // Refused before parsing: a DOCTYPE is how external and billion-laughs entities come in, and
  // Word never writes one. The encoding is forced to UTF-8 so this check cannot be dodged by
  // writing the document in UTF-16.
  if (xml.find("<!DOCTYPE") != std::string_view::npos) {
    reading.error = "the document declares a DOCTYPE (refused: it could pull in other files)";
    return reading;
  }
  if (xml.size() > static_cast<std::size_t>(INT32_MAX)) {
    reading.error = "the document is too large";
    return reading;
  }
  xmlInitParser();
  std::unique_ptr<xmlParserCtxt, CtxtFree> ctxt(xmlNewParserCtxt());
  if (!ctxt) {
    reading.error = "out of memory";
    return reading;
  }
  // No XML_PARSE_NOENT (no entity substitution), no DTDLOAD, no HUGE (depth and size caps).
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
  std::unique_ptr<xmlDoc, DocFree> doc(xmlCtxtReadMemory(
      ctxt.get(), xml.data(), static_cast<int>(xml.size()), "document.xml", "UTF-8", options));
  if (!doc) {
    const xmlError* e = xmlCtxtGetLastError(ctxt.get());
    std::string why = e && e->message ? std::string(trim(e->message)) : "not well-formed";
    reading.error = "word/document.xml is not valid XML: " + why;
    return reading;
  }
  if (doc->intSubset || doc->extSubset) {
    reading.error = "the document declares a DOCTYPE (refused: it could pull in other files)";
    return reading;
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || !named(root, "document")) {
    reading.error = "word/document.xml is not a Word document body";
    return reading;
  }
  BodyWalker walker(form);
  Lines lines;
  walker.blocks(child(root, "body"), lines);
  reading.body = walker.take(lines);
  return reading;
}

}  // namespace closeout::extract
