// SPDX-License-Identifier: GPL-3.0-or-later
// Placed words -> lines -> cells -> "Label: value" lines. Words overlapping vertically on one
// page are a line; a gap wider than about two average characters splits a line into cells; a
// cell that is a known label takes the cell to its right, else the cell just below it. Pure.
#include "layout_text.h"

#include <algorithm>
#include <cstddef>

namespace closeout {
namespace {

struct Cell {
  std::string text;
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  bool is_label = false;   // the whole cell is a label ("Date of Service:")
  bool has_label = false;  // ... or it starts with one and a ':' ("Model: iR-ADV C5535")
  bool consumed = false;   // taken as the value of a label above it
};

struct Line {
  int page = 0;
  std::vector<const PlacedWord*> words;
  double top = 0, bottom = 0;  // the mean extent of its words: one tall word does not swallow
                               // the line below
  std::vector<Cell> cells;
};

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

double overlap(double a0, double a1, double b0, double b1) {
  return std::min(a1, b1) - std::max(a0, b0);
}

std::vector<Line> group_lines(const std::vector<PlacedWord>& words) {
  std::vector<const PlacedWord*> sorted;
  for (const auto& w : words) {
    if (!w.text.empty() && w.y1 >= w.y0 && w.x1 >= w.x0) sorted.push_back(&w);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const PlacedWord* a, const PlacedWord* b) {
    if (a->page != b->page) return a->page < b->page;
    return a->y0 + a->y1 < b->y0 + b->y1;
  });
  std::vector<Line> lines;
  for (const PlacedWord* w : sorted) {
    double height = w->y1 - w->y0;
    if (!lines.empty()) {
      Line& line = lines.back();
      double shared = overlap(line.top, line.bottom, w->y0, w->y1);
      double smaller = std::min(height, line.bottom - line.top);
      if (line.page == w->page && shared > 0 && shared >= smaller / 2) {
        auto n = static_cast<double>(line.words.size());
        line.top = (line.top * n + w->y0) / (n + 1);
        line.bottom = (line.bottom * n + w->y1) / (n + 1);
        line.words.push_back(w);
        continue;
      }
    }
    lines.push_back(Line{w->page, {w}, w->y0, w->y1, {}});
  }
  for (auto& line : lines) {
    std::stable_sort(line.words.begin(), line.words.end(),
                     [](const PlacedWord* a, const PlacedWord* b) { return a->x0 < b->x0; });
  }
  return lines;
}

// "Model: iR-ADV": the text before the first ':' is a label.
bool starts_with_label(const std::string& text, const FormDefinition& form) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  return form.field_for_label(FormDefinition::normalize_label(text.substr(0, colon))) != nullptr;
}

void split_cells(Line& line, const FormDefinition& form) {
  double width = 0;
  std::size_t chars = 0;
  for (const PlacedWord* w : line.words) {
    width += w->x1 - w->x0;
    chars += code_points(w->text);
  }
  double wide_gap = chars == 0 ? 0 : 2 * width / static_cast<double>(chars);
  const PlacedWord* previous = nullptr;
  for (const PlacedWord* w : line.words) {
    if (!previous || w->x0 - previous->x1 > wide_gap) {
      line.cells.push_back(Cell{w->text, w->x0, w->y0, w->x1, w->y1});
    } else {
      Cell& c = line.cells.back();
      c.text += ' ';
      c.text += w->text;
      c.x1 = std::max(c.x1, w->x1);
      c.y0 = std::min(c.y0, w->y0);
      c.y1 = std::max(c.y1, w->y1);
    }
    previous = w;
  }
  for (auto& c : line.cells) {
    c.is_label = form.field_for_label(FormDefinition::normalize_label(c.text)) != nullptr;
    c.has_label = !c.is_label && starts_with_label(c.text, form);
  }
}

std::string label_text(const std::string& cell) {
  std::string label = cell;
  while (!label.empty() && (label.back() == ':' || label.back() == ' ')) label.pop_back();
  return label + ":";
}

// The value under a label: on the next line of the same page, not far below, overlapping the
// label's x range, and not itself a label or a "Label: value" of its own.
Cell* value_below(const Cell& label, Line* next, int page) {
  if (!next || next->page != page) return nullptr;
  double height = label.y1 - label.y0;
  if (next->top - label.y1 > 2 * std::max(height, 1.0)) return nullptr;
  for (auto& c : next->cells) {
    if (c.consumed || c.is_label || c.has_label) continue;
    if (overlap(label.x0, label.x1, c.x0, c.x1) > 0) return &c;
  }
  return nullptr;
}

void emit_line(Line& line, Line* next, std::string& out) {
  bool any_label = std::any_of(line.cells.begin(), line.cells.end(),
                               [](const Cell& c) { return c.is_label || c.has_label; });
  if (!any_label) {
    std::string plain;
    for (const auto& c : line.cells) {
      if (c.consumed) continue;
      if (!plain.empty()) plain += ' ';
      plain += c.text;
    }
    if (!plain.empty()) out += plain + '\n';
    return;
  }
  // A line with labels on it: every cell on a line of its own, so "Model  X  Serial  Y"
  // becomes two entries and not one value running into the next label.
  for (std::size_t i = 0; i < line.cells.size(); ++i) {
    Cell& c = line.cells[i];
    if (c.consumed) continue;
    if (!c.is_label) {
      out += c.text + '\n';
      continue;
    }
    Cell* value = nullptr;
    if (i + 1 < line.cells.size() && !line.cells[i + 1].is_label && !line.cells[i + 1].has_label &&
        !line.cells[i + 1].consumed) {
      value = &line.cells[i + 1];
      ++i;
    } else {
      value = value_below(c, next, line.page);
    }
    out += label_text(c.text);
    if (value) {
      value->consumed = true;
      out += ' ' + value->text;
    } else {
      // No value beside or below it: a blank line, or the label finder would read the next
      // printed line (a footer, the next page's heading) as this label's value.
      out += '\n';
    }
    out += '\n';
  }
}

}  // namespace

std::string lay_out_lines(const std::vector<PlacedWord>& words, const FormDefinition& form) {
  std::vector<Line> lines = group_lines(words);
  for (auto& line : lines) split_cells(line, form);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    emit_line(lines[i], i + 1 < lines.size() ? &lines[i + 1] : nullptr, out);
  }
  return out;
}

}  // namespace closeout
