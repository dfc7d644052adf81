// SPDX-License-Identifier: GPL-3.0-or-later
#include "attachment_reading.h"

#include <array>
#include <nlohmann/json.hpp>

namespace closeout {
namespace {

constexpr std::array<std::pair<AttachmentRead, std::string_view>, 5> names = {{
    {AttachmentRead::form_fields, "form_fields"},
    {AttachmentRead::text, "text"},
    {AttachmentRead::ocr, "ocr"},
    {AttachmentRead::unreadable, "unreadable"},
    {AttachmentRead::skipped, "skipped"},
}};

nlohmann::json to_json_value(const AttachmentReading& r) {
  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [name, value] : r.form_fields) fields.push_back({name, value});
  nlohmann::json inner = nlohmann::json::array();
  for (const auto& i : r.inner) inner.push_back(to_json_value(i));
  return {{"filename", r.filename},
          {"type", r.type},
          {"read", to_string(r.read)},
          {"reason", r.reason},
          {"form_fields", std::move(fields)},
          {"text", r.text},
          {"min_confidence", r.min_confidence},
          {"limits_tripped", r.limits_tripped},
          {"inner", std::move(inner)}};
}

AttachmentReading from_json_value(const nlohmann::json& j, int depth) {
  if (depth > 4) throw std::runtime_error("attachments nested too deep");
  AttachmentReading r;
  r.filename = j.at("filename").get<std::string>();
  r.type = j.at("type").get<std::string>();
  auto read = attachment_read_from_string(j.at("read").get<std::string>());
  if (!read) throw std::runtime_error("unknown \"read\" value");
  r.read = *read;
  r.reason = j.at("reason").get<std::string>();
  for (const auto& f : j.at("form_fields")) {
    r.form_fields.emplace_back(f.at(0).get<std::string>(), f.at(1).get<std::string>());
  }
  r.text = j.at("text").get<std::string>();
  r.min_confidence = j.at("min_confidence").get<double>();
  r.limits_tripped = j.at("limits_tripped").get<std::vector<std::string>>();
  for (const auto& i : j.at("inner")) r.inner.push_back(from_json_value(i, depth + 1));
  return r;
}

}  // namespace

std::string_view to_string(AttachmentRead read) {
  for (const auto& [value, name] : names) {
    if (value == read) return name;
  }
  return "unreadable";
}

std::optional<AttachmentRead> attachment_read_from_string(std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

std::string reading_to_json(const AttachmentReading& reading) {
  // Invalid UTF-8 from a hostile file is replaced rather than thrown on.
  return to_json_value(reading).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<AttachmentReading> reading_from_json(std::string_view json, std::string* error) {
  if (json.size() > max_reading_json_bytes) {
    if (error) *error = "the reply is larger than " + std::to_string(max_reading_json_bytes);
    return std::nullopt;
  }
  try {
    return from_json_value(nlohmann::json::parse(json), 0);
  } catch (const std::exception& e) {
    if (error) *error = std::string("not a reading: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace closeout
