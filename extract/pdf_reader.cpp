// SPDX-License-Identifier: GPL-3.0-or-later
// PDF attachments. qpdf opens the file (empty user password tried, damage recovered quietly)
// and reads AcroForm fields in page order; poppler-cpp reads the text layer word by word, laid
// out with the built-in form's labels (the helper has no config: a custom form_definition's
// labels only change pairing here, the parent maps fields with the real definition). Pages with
// almost no text go to OCR. Nothing here is fatal: a PDF that cannot be opened is "unreadable",
// and only std::bad_alloc escapes (the helper's main maps it to the memory limit).
#include "pdf_reader.h"

// qpdf 11: no PointerHolder in this file, only std::shared_ptr.
#define POINTERHOLDER_TRANSITION 4

#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFAcroFormDocumentHelper.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>
#include <algorithm>
#include <cctype>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "image_reader.h"
#include "layout_text.h"

namespace closeout::extract {
namespace {

constexpr const char* needs_password =
    "the PDF needs a password; please type Section 2 into the reply";
// Fewer visible characters than this on a page: a scan (or a blank page), not a text layer.
constexpr std::size_t scan_page_chars = 10;

AttachmentReading unreadable(std::string reason) {
  AttachmentReading r;
  r.type = "pdf";
  r.read = AttachmentRead::unreadable;
  r.reason = std::move(reason);
  return r;
}

std::string without_slash(const std::string& name) {
  return !name.empty() && name.front() == '/' ? name.substr(1) : name;
}

// A radio group's or check box's /V is a state name; with /Opt, the name may be an index into
// the export values ("/0" -> "Completed"), as Acrobat writes for kids sharing one export name.
std::string state_value(QPDFFormFieldObjectHelper& field, const std::string& state) {
  QPDFObjectHandle opt = field.getInheritableFieldValue("/Opt");
  if (opt.isArray() && !state.empty() &&
      std::all_of(state.begin(), state.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      state.size() < 6) {
    int index = std::stoi(state);
    if (index < opt.getArrayNItems()) {
      QPDFObjectHandle item = opt.getArrayItem(index);
      if (item.isString()) return item.getUTF8Value();
    }
  }
  return state;
}

// The on-state a check box shows, from /V, else from its widget's /AS.
std::string check_box_value(QPDFFormFieldObjectHelper& field, QPDFAcroFormDocumentHelper& forms) {
  QPDFObjectHandle v = field.getValue();
  std::string state = v.isName() ? without_slash(v.getName()) : "";
  if (state.empty()) {
    for (auto& annot : forms.getAnnotationsForField(field)) {
      std::string as = without_slash(annot.getAppearanceState());
      if (!as.empty() && as != "Off") state = as;
    }
  }
  if (state.empty()) state = "Off";
  return state == "Off" ? state : state_value(field, state);
}

std::string choice_value(QPDFFormFieldObjectHelper& field) {
  QPDFObjectHandle v = field.getValue();
  if (v.isString()) return v.getUTF8Value();
  std::string joined;
  if (v.isArray()) {
    for (int i = 0; i < v.getArrayNItems(); ++i) {
      QPDFObjectHandle item = v.getArrayItem(i);
      if (!item.isString()) continue;
      if (!joined.empty()) joined += ", ";
      joined += item.getUTF8Value();
    }
  }
  return joined;
}

// nullopt for fields that carry no answer (push buttons, signatures).
std::optional<std::string> field_value(QPDFFormFieldObjectHelper& field,
                                       QPDFAcroFormDocumentHelper& forms) {
  if (field.isPushbutton() || field.getFieldType() == "/Sig") return std::nullopt;
  if (field.isCheckbox()) return check_box_value(field, forms);
  if (field.isRadioButton()) {
    QPDFObjectHandle v = field.getValue();
    std::string state = v.isName() ? without_slash(v.getName()) : "Off";
    return state == "Off" ? state : state_value(field, state);
  }
  if (field.isChoice()) return choice_value(field);
  return field.getValueAsString();
}

// Terminal fields in the order their widgets sit on the pages read, each once (a radio group
// has a widget per button); fields on no page come last, unless pages were left unread.
std::vector<std::pair<std::string, std::string>> read_form_fields(
    QPDF& pdf, const std::vector<QPDFPageObjectHelper>& pages, bool all_pages_read) {
  QPDFAcroFormDocumentHelper forms(pdf);
  std::vector<std::pair<std::string, std::string>> out;
  if (!forms.hasAcroForm()) return out;
  std::set<QPDFObjGen> seen;
  std::set<std::string> names;
  auto take = [&](QPDFFormFieldObjectHelper field) {
    // A radio button's widget without a /T of its own is a kid of the group, not a field.
    for (int depth = 0; depth < 32 && !field.isNull() && !field.getObjectHandle().hasKey("/T");
         ++depth) {
      QPDFFormFieldObjectHelper parent = field.getParent();
      if (parent.isNull()) break;
      field = parent;
    }
    if (field.isNull() || !seen.insert(field.getObjectHandle().getObjGen()).second) return;
    // Fields sharing a fully qualified name are one field with one value (PDF 12.7.4).
    std::string name = field.getFullyQualifiedName();
    if (!names.insert(name).second) return;
    if (auto value = field_value(field, forms))
      out.emplace_back(std::move(name), std::move(*value));
  };
  for (const auto& page : pages) {
    for (auto& annot : forms.getWidgetAnnotationsForPage(page)) {
      take(forms.getFieldForAnnotation(annot));
    }
  }
  if (all_pages_read) {
    for (auto& field : forms.getFormFields()) take(field);
  }
  return out;
}

// A text box normally is one word; one with blanks inside is cut where its glyphs say.
void add_box(const poppler::text_box& box, int page, std::vector<PlacedWord>& words) {
  poppler::byte_array utf8 = box.text().to_utf8();
  std::string text(utf8.begin(), utf8.end());
  poppler::rectf r = box.bbox();
  if (text.find(' ') == std::string::npos) {
    words.push_back(PlacedWord{text, page, r.left(), r.top(), r.right(), r.bottom()});
    return;
  }
  // Glyph boxes are per code point of the ustring (UTF-16), not per byte; split proportionally
  // by byte offsets, which is exact for the ASCII a form is printed in and close otherwise.
  double width = r.right() - r.left();
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) {
      double x0 = r.left() + width * static_cast<double>(start) / static_cast<double>(text.size());
      double x1 = r.left() + width * static_cast<double>(end) / static_cast<double>(text.size());
      words.push_back(
          PlacedWord{text.substr(start, end - start), page, x0, r.top(), x1, r.bottom()});
    }
    start = end + 1;
  }
}

// The vertical extent of a form field's widget on a page, in poppler's text coordinates (origin
// at the crop box's top left). Printed words beside a widget are its label and, next to check
// boxes, the option names ("[ ] Completed [x] Pending"); read as text they would pair the label
// with whichever option is printed first, so in a form the field value speaks for those lines.
struct Band {
  int page = 0;
  double y0 = 0, y1 = 0;
};

std::vector<Band> widget_bands(QPDF& pdf, const std::vector<QPDFPageObjectHelper>& pages) {
  QPDFAcroFormDocumentHelper forms(pdf);
  std::vector<Band> bands;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    QPDFPageObjectHelper page = pages[i];
    QPDFObjectHandle rotate = page.getAttribute("/Rotate", false);
    // Rotated pages would need the rotation undone first; their lines are kept as they are.
    if (rotate.isInteger() && rotate.getIntValue() % 360 != 0) continue;
    QPDFObjectHandle crop = page.getCropBox();
    if (!crop.isRectangle()) continue;
    double top = crop.getArrayAsRectangle().ury;
    for (auto& widget : forms.getWidgetAnnotationsForPage(page)) {
      auto r = widget.getRect();
      bands.push_back(
          Band{static_cast<int>(i), top - std::max(r.ury, r.lly), top - std::min(r.ury, r.lly)});
    }
  }
  return bands;
}

bool beside_widget(const PlacedWord& w, const std::vector<Band>& bands) {
  double mid = (w.y0 + w.y1) / 2;
  return std::any_of(bands.begin(), bands.end(),
                     [&](const Band& b) { return b.page == w.page && mid >= b.y0 && mid <= b.y1; });
}

struct TextLayer {
  std::string text;
  std::vector<int> scan_pages;  // 0-based
  int pages = 0;                // in the document, as poppler counts them
  bool opened = false;
  bool locked = false;
};

TextLayer read_text_layer(std::string_view bytes, std::size_t max_pages,
                          const std::vector<Band>& widgets) {
  TextLayer layer;
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(
      bytes.data(), static_cast<int>(bytes.size()), std::string(), std::string()));
  if (!doc) return layer;
  layer.opened = true;
  if (doc->is_locked()) {
    layer.locked = true;
    return layer;
  }
  layer.pages = doc->pages();
  std::vector<PlacedWord> words;
  int pages = static_cast<int>(std::min<std::size_t>(max_pages, std::max(layer.pages, 0)));
  for (int i = 0; i < pages; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) {
      layer.scan_pages.push_back(i);
      continue;
    }
    std::size_t chars = 0;
    for (const auto& box : page->text_list()) {
      std::size_t before = words.size();
      add_box(box, i, words);
      for (std::size_t w = before; w < words.size(); ++w) chars += words[w].text.size();
    }
    if (chars < scan_page_chars) layer.scan_pages.push_back(i);
  }
  if (!widgets.empty()) {
    // Not std::erase_if: this file also builds as C++17 (see extract/CMakeLists.txt).
    words.erase(std::remove_if(words.begin(), words.end(),
                               [&](const PlacedWord& w) { return beside_widget(w, widgets); }),
                words.end());
  }
  layer.text = lay_out_lines(words, FormDefinition::builtin());
  return layer;
}

// Only the scanned pages, as a PDF of their own, so OCR does not read the text pages again.
std::string pages_as_pdf(const std::vector<QPDFPageObjectHelper>& pages,
                         const std::vector<int>& wanted) {
  QPDF out;
  out.emptyPDF();
  QPDFPageDocumentHelper out_pages(out);
  for (int i : wanted) {
    if (i >= 0 && static_cast<std::size_t>(i) < pages.size())
      out_pages.addPage(pages[static_cast<std::size_t>(i)], false);
  }
  QPDFWriter writer(out);
  writer.setOutputMemory();
  writer.write();
  auto buffer = writer.getBufferSharedPointer();
  return std::string(reinterpret_cast<const char*>(buffer->getBuffer()), buffer->getSize());
}

void merge_ocr(AttachmentReading& reading, AttachmentReading ocr) {
  reading.limits_tripped.insert(reading.limits_tripped.end(), ocr.limits_tripped.begin(),
                                ocr.limits_tripped.end());
  if (ocr.read == AttachmentRead::unreadable || ocr.read == AttachmentRead::skipped) {
    if (reading.text.empty()) {
      reading.read = ocr.read;
      reading.reason = ocr.reason;
    } else {
      reading.reason = "scanned pages not read: " + ocr.reason;
    }
    return;
  }
  if (!reading.text.empty() && !ocr.text.empty() && reading.text.back() != '\n')
    reading.text += '\n';
  reading.text += ocr.text;
  reading.read = AttachmentRead::ocr;
  reading.min_confidence = std::min(reading.min_confidence, ocr.min_confidence);
  if (!ocr.reason.empty()) reading.reason = ocr.reason;
}

void quiet_poppler() {
  static const bool once = [] {
    poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr);
    return true;
  }();
  (void)once;
}

}  // namespace

AttachmentReading read_pdf(std::string_view bytes, const ExtractRequest& request) {
  quiet_poppler();
  QPDF pdf;
  pdf.setSuppressWarnings(true);
  pdf.setAttemptRecovery(true);
  try {
    pdf.processMemoryFile(request.filename.empty() ? "attachment.pdf" : request.filename.c_str(),
                          bytes.data(), bytes.size(), "");
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password) return unreadable(needs_password);
    return unreadable("not a PDF that can be read: " + e.getMessageDetail());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return unreadable(std::string("not a PDF that can be read: ") + e.what());
  }

  AttachmentReading reading;
  reading.type = "pdf";
  // qpdf refuses a page tree that loops or is otherwise broken; poppler still reads what pages
  // it can find, so only the form fields are lost.
  std::optional<std::vector<QPDFPageObjectHelper>> pages;
  std::vector<Band> widgets;
  try {
    pages = QPDFPageDocumentHelper(pdf).getAllPages();
    if (pages->size() > request.max_pdf_pages) {
      pages->erase(pages->begin() + static_cast<std::ptrdiff_t>(request.max_pdf_pages),
                   pages->end());
    }
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    pages.reset();
    reading.reason = std::string("form fields not read: ") + e.what();
  }
  std::size_t total_pages = pages ? pdf.getAllPages().size() : 0;
  if (pages) {
    try {
      reading.form_fields = read_form_fields(pdf, *pages, total_pages <= request.max_pdf_pages);
      if (!reading.form_fields.empty()) widgets = widget_bands(pdf, *pages);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      // A broken field tree: the text layer may still carry the answers.
      reading.form_fields.clear();
      widgets.clear();
      reading.reason = std::string("form fields not read: ") + e.what();
    }
  }

  TextLayer layer = read_text_layer(bytes, request.max_pdf_pages, widgets);
  if (layer.locked) return unreadable(needs_password);
  reading.text = std::move(layer.text);
  if (std::max<std::size_t>(total_pages, std::max(layer.pages, 0)) > request.max_pdf_pages) {
    // Read the first pages rather than refuse: a form is a page or two, and a long PDF with
    // the form in front (a manual appended) still gives its answers.
    reading.limits_tripped.emplace_back("max_pdf_pages");
  }

  if (!reading.form_fields.empty()) {
    reading.read = AttachmentRead::form_fields;
    return reading;
  }
  if (!layer.opened && reading.text.empty()) return unreadable("not a PDF that can be read");
  reading.read = AttachmentRead::text;
  if (layer.scan_pages.empty()) return reading;

  bool every_page = static_cast<int>(layer.scan_pages.size()) == layer.pages;
  try {
    std::string scans =
        every_page || !pages ? std::string(bytes) : pages_as_pdf(*pages, layer.scan_pages);
    merge_ocr(reading, ocr_pdf_pages(scans, request));
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    merge_ocr(reading, unreadable(std::string("scanned pages not read: ") + e.what()));
  }
  return reading;
}

}  // namespace closeout::extract
