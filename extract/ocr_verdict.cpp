// SPDX-License-Identifier: GPL-3.0-or-later
// Each page's words are grouped into lines by their boxes (the same test lay_out_lines uses), and
// each line with a known label has its value words (the words after the label) scored by their
// mean confidence. Pure: no OCR here, so these rules are tested with made-up words.
#include "ocr_verdict.h"

#include <algorithm>
#include <sstream>

#include "label_fields.h"

namespace closeout::extract {
namespace {

using Line = std::vector<const PlacedWord*>;

std::vector<Line> group_into_lines(const std::vector<PlacedWord>& words) {
  std::vector<const PlacedWord*> sorted;
  sorted.reserve(words.size());
  for (const auto& w : words) sorted.push_back(&w);
  std::stable_sort(sorted.begin(), sorted.end(), [](const PlacedWord* a, const PlacedWord* b) {
    if (a->page != b->page) return a->page < b->page;
    return a->y0 + a->y1 < b->y0 + b->y1;
  });
  std::vector<Line> lines;
  for (const PlacedWord* w : sorted) {
    double mid = (w->y0 + w->y1) / 2;
    // Same line: the word's middle lies within the line's first word's height.
    if (!lines.empty() && lines.back().front()->page == w->page && mid > lines.back().front()->y0 &&
        mid < lines.back().front()->y1)
      lines.back().push_back(w);
    else
      lines.push_back({w});
  }
  for (auto& line : lines)
    std::stable_sort(line.begin(), line.end(),
                     [](const PlacedWord* a, const PlacedWord* b) { return a->x0 < b->x0; });
  return lines;
}

std::size_t word_count(const std::string& text) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string word; in >> word;) ++n;
  return n;
}

struct LineScore {
  const FieldSpec* field = nullptr;  // nullptr: no known label on the line
  std::size_t value_words = 0;
  double value_confidence = 100;  // mean over the value words
};

LineScore score_line(const Line& line, const FormDefinition& form) {
  std::string text;
  for (const PlacedWord* w : line) text += (text.empty() ? "" : " ") + w->text;
  LineScore score;
  auto found = find_labeled_values(text, form);
  if (found.empty() || !found.front().field) return score;
  score.field = found.front().field;
  // The value ends the line; separators the label finder stripped ("|", "_") may make it a
  // word shorter than what OCR saw, which only leaves a stray mark out of the mean.
  score.value_words = std::min(word_count(found.front().value), line.size());
  double sum = 0;
  for (std::size_t i = line.size() - score.value_words; i < line.size(); ++i)
    sum += line[i]->confidence;
  if (score.value_words > 0) score.value_confidence = sum / double(score.value_words);
  return score;
}

AttachmentReading unreadable(std::string reason) {
  AttachmentReading r;
  r.read = AttachmentRead::unreadable;
  r.reason = std::move(reason);
  return r;
}

constexpr const char* kTypeItReason =
    "handwriting or an unreadable scan; please type Section 2 into the reply";

}  // namespace

AttachmentReading reading_from_ocr(const std::vector<PlacedWord>& words,
                                   const FormDefinition& form) {
  std::vector<PlacedWord> kept;
  for (const auto& w : words)
    if (w.confidence >= kNoiseConfidence) kept.push_back(w);
  if (kept.empty()) return unreadable("no printed text found: " + std::string(kTypeItReason));

  // Scored over every word, noise included: a pen's strokes that OCR barely saw still count as
  // a value that was written but not read.
  std::size_t technician_values = 0, doubtful = 0;
  double min_labelled = 100;
  bool any_label = false;
  for (const Line& line : group_into_lines(words)) {
    LineScore score = score_line(line, form);
    if (!score.field) continue;
    any_label = true;
    for (const PlacedWord* w : line)
      if (w->confidence >= kNoiseConfidence) min_labelled = std::min(min_labelled, w->confidence);
    // Section 1's values (dispatch number, serial) are printed by CITS even on a written form.
    if (!score.field->in_section2 || score.field->in_section1 || score.value_words == 0) continue;
    ++technician_values;
    if (score.value_confidence < kTrustedConfidence) ++doubtful;
  }
  if (technician_values > 0 && doubtful * 2 > technician_values) return unreadable(kTypeItReason);

  AttachmentReading r;
  r.read = AttachmentRead::ocr;
  r.text = lay_out_lines(kept, form);
  if (any_label) {
    r.min_confidence = min_labelled;
  } else {
    for (const auto& w : kept) r.min_confidence = std::min(r.min_confidence, w.confidence);
  }
  return r;
}

}  // namespace closeout::extract
