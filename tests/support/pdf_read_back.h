// SPDX-License-Identifier: GPL-3.0-or-later
// Reads a PDF back the way a person's PDF reader would, for tests: form field values (qpdf)
// and the text on its pages (poppler).
#pragma once
#ifndef POINTERHOLDER_TRANSITION
#define POINTERHOLDER_TRANSITION 4
#endif
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFAcroFormDocumentHelper.hh>

#include <map>
#include <memory>
#include <string>

namespace closeout::testing {

// Fully qualified name -> value (check boxes and radio groups: the state's name without "/");
// fields without a value are left out.
inline std::map<std::string, std::string> pdf_field_values(const std::string& pdf_bytes) {
  QPDF pdf;
  pdf.setSuppressWarnings(true);
  pdf.processMemoryFile("read-back.pdf", pdf_bytes.data(), pdf_bytes.size());
  QPDFAcroFormDocumentHelper acro(pdf);
  std::map<std::string, std::string> out;
  for (auto& field : acro.getFormFields()) {
    auto v = field.getInheritableFieldValue("/V");
    std::string text = v.isName() ? v.getName().substr(1) : field.getValueAsString();
    if (!text.empty() && text != "Off") out[field.getFullyQualifiedName()] = text;
  }
  return out;
}

// The text of every page; "<not a PDF>" when poppler cannot open it.
inline std::string pdf_text(const std::string& pdf_bytes, int* pages = nullptr) {
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(pdf_bytes.data(), static_cast<int>(pdf_bytes.size())));
  if (!doc) return "<not a PDF>";
  if (pages) *pages = doc->pages();
  std::string out;
  for (int i = 0; i < doc->pages(); ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    auto utf8 = page->text().to_utf8();
    out.append(utf8.begin(), utf8.end());
    out += '\n';
  }
  return out;
}

}  // namespace closeout::testing
