// SPDX-License-Identifier: GPL-3.0-or-later
// The body of a Word document (word/document.xml) read in document order: paragraphs, tables
// laid out as "Label: value" lines, content controls and legacy form fields as named values.
// libxml2 parses from memory with no network and no entities; a DOCTYPE is refused outright.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "form_definition.h"

namespace closeout::extract {

struct DocxBody {
  // Content controls (tag, else title) and legacy form fields (bookmark name), in order.
  std::vector<std::pair<std::string, std::string>> form_fields;
  bool any_field_value = false;  // a field holds something a person entered
  std::string text;              // one line per paragraph and per table row or label/value pair
};

struct DocxBodyReading {
  std::optional<DocxBody> body;  // nullopt: error says why
  std::string error;
};

// form: labels decide which table cells are labels ("Serial No" | "2RX04512").
DocxBodyReading read_docx_body(std::string_view document_xml, const FormDefinition& form);

}  // namespace closeout::extract
