// First cut: words on one baseline become one line, in reading order. Pairing labels with the
// values below them comes with the PDF text reader.
#include "layout_text.h"

#include <algorithm>

namespace closeout {

std::string lay_out_lines(const std::vector<PlacedWord>& words, const FormDefinition& /*form*/) {
  std::vector<const PlacedWord*> sorted;
  sorted.reserve(words.size());
  for (const auto& w : words) sorted.push_back(&w);
  std::stable_sort(sorted.begin(), sorted.end(), [](const PlacedWord* a, const PlacedWord* b) {
    if (a->page != b->page) return a->page < b->page;
    double mid_a = (a->y0 + a->y1) / 2, mid_b = (b->y0 + b->y1) / 2;
    double tolerance = std::max(a->y1 - a->y0, b->y1 - b->y0) / 2;
    if (mid_a + tolerance < mid_b) return true;
    if (mid_b + tolerance < mid_a) return false;
    return a->x0 < b->x0;
  });
  std::string out;
  const PlacedWord* previous = nullptr;
  for (const PlacedWord* w : sorted) {
    if (previous) {
      bool same_line = previous->page == w->page && w->y0 < previous->y1 && previous->y0 < w->y1;
      out += same_line ? ' ' : '\n';
    }
    out += w->text;
    previous = w;
  }
  if (!out.empty()) out += '\n';
  return out;
}

}  // namespace closeout
