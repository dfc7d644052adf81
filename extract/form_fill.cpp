// SPDX-License-Identifier: GPL-3.0-or-later
// The close-out's filled copy of CITS's own PDF form, and the list of its fields the parent maps
// to form keys. qpdf parses a PDF that came by mail, so this runs only in closeout-extract;
// anything qpdf throws is an error value (the parent then renders a form of its own).
#include "form_fill.h"

// qpdf 11: no PointerHolder, std::shared_ptr throughout.
#ifndef POINTERHOLDER_TRANSITION
#define POINTERHOLDER_TRANSITION 4
#endif

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFAcroFormDocumentHelper.hh>
#include <qpdf/QPDFFormFieldObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

namespace closeout::extract {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

void open(QPDF& pdf, std::string_view bytes) {
  pdf.setSuppressWarnings(true);
  // An empty user password is what most "protected" forms have (SPEC).
  pdf.processMemoryFile("form.pdf", bytes.data(), bytes.size(), "");
}

std::vector<std::string> on_states(QPDFAcroFormDocumentHelper& acro,
                                   QPDFFormFieldObjectHelper& field) {
  std::vector<std::string> states;
  for (auto& widget : acro.getAnnotationsForField(field)) {
    auto normal = widget.getAppearanceDictionary().getKey("/N");
    if (!normal.isDictionary()) continue;
    for (const auto& key : normal.getKeys()) {
      std::string state = key.substr(1);
      if (state != "Off" && std::find(states.begin(), states.end(), state) == states.end())
        states.push_back(state);
    }
  }
  return states;
}

std::string type_of(QPDFFormFieldObjectHelper& field) {
  if (field.isCheckbox()) return "checkbox";
  if (field.isRadioButton()) return "radio";
  if (field.isChoice()) return "choice";
  if (field.isText()) return "text";
  return "other";
}

bool means_off(std::string_view value) {
  for (std::string_view no : {"", "off", "no", "false", "0", "none", "n"})
    if (iequals(value, no)) return true;
  return false;
}

}  // namespace

FieldsOutcome list_pdf_form_fields(std::string_view bytes) {
  try {
    QPDF pdf;
    open(pdf, bytes);
    QPDFAcroFormDocumentHelper acro(pdf);
    std::vector<FormFieldInfo> out;
    for (auto& field : acro.getFormFields()) {
      FormFieldInfo info;
      info.name = field.getFullyQualifiedName();
      info.type = type_of(field);
      if (info.type == "checkbox" || info.type == "radio") info.states = on_states(acro, field);
      if (info.type == "choice") info.choices = field.getChoices();
      out.push_back(std::move(info));
    }
    return {std::move(out), ""};
  } catch (const std::exception& e) {
    return {std::nullopt, e.what()};
  }
}

FillOutcome fill_pdf_form(std::string_view bytes,
                          const std::vector<std::pair<std::string, std::string>>& values) {
  try {
    QPDF pdf;
    open(pdf, bytes);
    QPDFAcroFormDocumentHelper acro(pdf);
    std::map<std::string, std::string> wanted(values.begin(), values.end());
    std::size_t filled = 0;
    for (auto& field : acro.getFormFields()) {
      auto it = wanted.find(field.getFullyQualifiedName());
      if (it == wanted.end()) continue;
      const std::string& value = it->second;
      if (field.isCheckbox()) {
        // qpdf turns any name but /Off into the box's own on-state.
        field.setV(QPDFObjectHandle::newName(means_off(value) ? "/Off" : "/Yes"));
      } else if (field.isRadioButton()) {
        std::string state;
        for (const auto& s : on_states(acro, field))
          if (iequals(s, value)) state = s;
        if (state.empty()) continue;  // no button says this value: leave the group alone
        field.setV(QPDFObjectHandle::newName("/" + state));
      } else if (field.isChoice()) {
        std::string choice = value;
        for (const auto& c : field.getChoices())
          if (iequals(c, value)) choice = c;
        field.setV(choice);
      } else if (field.isText()) {
        field.setV(value);
      } else {
        continue;
      }
      ++filled;
    }
    if (filled == 0) return {std::nullopt, "none of the fields asked for is in this form"};
    acro.generateAppearancesIfNeeded();
    QPDFWriter writer(pdf);
    writer.setOutputMemory();
    writer.write();
    auto buffer = writer.getBufferSharedPointer();
    return {std::string(reinterpret_cast<const char*>(buffer->getBuffer()), buffer->getSize()), ""};
  } catch (const std::exception& e) {
    return {std::nullopt, e.what()};
  }
}

std::string fields_to_json(const std::vector<FormFieldInfo>& fields) {
  auto out = nlohmann::json::array();
  for (const auto& f : fields)
    out.push_back(
        {{"name", f.name}, {"type", f.type}, {"states", f.states}, {"choices", f.choices}});
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace closeout::extract
