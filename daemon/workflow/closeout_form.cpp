// SPDX-License-Identifier: GPL-3.0-or-later
#include "closeout_form.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>

#include "attachment_kind.h"
#include "dispatch_forms.h"
#include "form_render.h"

namespace closeout::workflow {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

constexpr std::chrono::seconds kMostFillCpu{10};

bool is_pdf(std::string_view bytes) { return bytes.substr(0, 5) == "%PDF-"; }

// The Section 2 key a field name stands for, if it is a Section 2 field at all.
const FieldSpec* section2_field(const FormDefinition& form, std::string_view name) {
  const FieldSpec* spec = form.field_for_form_field(name);
  return spec && spec->in_section2 ? spec : nullptr;
}

// closeout-extract's stdin for `fill`: one line of JSON pairs, then the PDF.
std::string fill_input(const std::vector<std::pair<std::string, std::string>>& values,
                       const std::string& pdf) {
  auto pairs = nlohmann::json::array();
  for (const auto& [name, value] : values) pairs.push_back({name, value});
  return pairs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n" + pdf;
}

// CITS's own form, filled; nullopt and *error when it cannot be.
std::optional<std::string> fill_own_form(const std::string& pdf, const FormDefinition& form,
                                         const nlohmann::json& section2,
                                         const CloseoutFormSettings& settings, std::string* error) {
  // A filled form is the same form plus appearance streams for a few fields.
  const std::size_t max_output = pdf.size() * 4 + 4194304;
  std::string max = std::to_string(pdf.size() + 4096);
  auto listed = run_helper({"fields", "--max-bytes", max}, pdf, settings.helper, max_output);
  if (!listed.ok()) {
    *error = "listing its fields: " + listed.describe();
    return std::nullopt;
  }
  auto fields = nlohmann::json::parse(listed.out, nullptr, false);
  if (!fields.is_array()) {
    *error = "listing its fields: the helper's reply is not a field list";
    return std::nullopt;
  }
  auto values = form_field_values(fields, form, section2);
  if (values.empty()) {
    *error = fields.empty() ? "it has no form fields" : "none of its fields is a Section 2 field";
    return std::nullopt;
  }
  std::string input = fill_input(values, pdf);
  auto filled = run_helper({"fill", "--max-bytes", std::to_string(input.size() + 1)}, input,
                           settings.helper, max_output);
  if (!filled.ok()) {
    *error = "filling it: " + filled.describe();
    return std::nullopt;
  }
  if (!is_pdf(filled.out)) {
    *error = "filling it: the helper's reply is not a PDF";
    return std::nullopt;
  }
  return std::move(filled.out);
}

}  // namespace

CloseoutFormSettings closeout_form_settings(const Config& config) {
  CloseoutFormSettings s;
  s.helper = attachment_helper_settings(config);
  // The close-out is queued inside the message's write transaction: a PDF that makes the
  // helper spin must not hold the database for a reading's whole allowance. Filling a real
  // form takes a fraction of a second.
  s.helper.cpu_seconds = std::min(s.helper.cpu_seconds, kMostFillCpu);
  s.helper.wall_clock = std::chrono::duration_cast<std::chrono::milliseconds>(
      s.helper.cpu_seconds + std::chrono::seconds(3));
  // Tests point at the build tree's helper; closeoutd and closeoutctl find it beside themselves.
  if (const char* program = std::getenv("CLOSEOUT_EXTRACT_PROGRAM"); program && *program)
    s.helper.program = program;
  return s;
}

std::string closeout_form_filename(const std::string& dispatch_number) {
  std::string safe = dispatch_number;
  for (char& c : safe)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
  return "Service-Dispatch-" + safe + ".pdf";
}

std::vector<std::pair<std::string, std::string>> form_field_values(const nlohmann::json& fields,
                                                                   const FormDefinition& form,
                                                                   const nlohmann::json& section2) {
  std::map<std::string, std::string> by_key;
  for (const auto& entry : section2)
    if (entry.is_object()) by_key[entry.value("key", "")] = entry.value("value", "");
  auto value_of = [&](const FieldSpec* spec) -> const std::string* {
    if (!spec) return nullptr;
    auto it = by_key.find(spec->key);
    return it == by_key.end() ? nullptr : &it->second;
  };
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const std::string& name, const std::string& value) {
    for (const auto& [n, v] : out)
      if (n == name) return;  // a radio group is listed once per button
    out.emplace_back(name, value);
  };
  for (const auto& f : fields) {
    if (!f.is_object()) continue;
    std::string name = f.value("name", "");
    std::string type = f.value("type", "");
    auto states = f.value("states", std::vector<std::string>{});
    if (name.empty()) continue;
    const FieldSpec* spec = section2_field(form, name);
    if (type == "text" || type == "choice") {
      if (const auto* v = value_of(spec)) add(name, *v);
    } else if (type == "radio") {
      const auto* v = value_of(spec);
      if (!v) continue;
      for (const auto& s : states)
        if (iequals(s, *v)) add(name, s);
    } else if (type == "checkbox") {
      if (const auto* v = value_of(spec)) {
        bool named_state = std::any_of(states.begin(), states.end(), [&](const std::string& s) {
          return !iequals(s, "Yes") && !iequals(s, "On") && s != "1";
        });
        bool on = named_state ? std::any_of(states.begin(), states.end(),
                                            [&](const std::string& s) { return iequals(s, *v); })
                              : !v->empty() && !iequals(*v, "None") && !iequals(*v, "No");
        add(name, on ? "Yes" : "Off");
        continue;
      }
      // "CallStatus.Completed" / "CallStatus_Completed": the group names the key, the box a
      // value. A box named only for the value ("Completed", "Section2.Pending") is Call Status's,
      // as the PDF reader takes it; such a box is ticked when it is the status, else untouched.
      auto cut = name.find_last_of("._");
      std::string box = cut == std::string::npos ? name : name.substr(cut + 1);
      const auto* v =
          cut == std::string::npos ? nullptr : value_of(section2_field(form, name.substr(0, cut)));
      if (!v) {
        const auto* status = value_of(form.field("call_status"));
        if (status && iequals(box, *status)) add(name, "Yes");
        continue;
      }
      bool on =
          iequals(box, *v) || std::any_of(states.begin(), states.end(),
                                          [&](const std::string& s) { return iequals(s, *v); });
      add(name, on ? "Yes" : "Off");
    }
  }
  return out;
}

const BinaryPart* dispatch_pdf(const DecodedMessage& message) {
  const BinaryPart* first = nullptr;
  for (const auto& part : message.binary_parts) {
    if (part.too_large || part.bytes.empty()) continue;
    if (attachment_kind(part.bytes, part.filename, part.content_type) != "pdf") continue;
    if (part.bytes.find("/AcroForm") != std::string::npos) return &part;
    if (!first) first = &part;
  }
  return first;
}

CloseoutForm make_closeout_form(SQLite::Database& db, const Config& config,
                                const FormDefinition& form, const store::DispatchRecord& d,
                                const nlohmann::json& section2,
                                const CloseoutFormSettings& settings) {
  CloseoutForm out;
  MailAttachment attachment;
  attachment.filename = closeout_form_filename(d.number);
  attachment.content_type = "application/pdf";
  try {
    if (auto own = store::DispatchForms(db).find(d.number)) {
      if (auto filled = fill_own_form(own->content, form, section2, settings, &out.fill_error)) {
        attachment.bytes = std::move(*filled);
        out.how = "filled";
        out.attachment = std::move(attachment);
        return out;
      }
    }
    RenderedFormText text;
    text.dispatch_number = d.number;
    text.service_provider = config.dealer.name;
    text.section1 = nlohmann::json::parse(d.section1_json, nullptr, false);
    if (!text.section1.is_array()) text.section1 = nlohmann::json::array();
    text.section2 = section2;
    attachment.bytes = render_form_pdf(text);
    out.how = "rendered";
    out.attachment = std::move(attachment);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

}  // namespace closeout::workflow
