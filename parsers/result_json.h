// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON object `closeoutctl parse --json` prints (SPEC "Commands"); field names are a contract.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "analyze.h"

namespace closeout {

nlohmann::ordered_json analysis_json(const Analysis& a);
nlohmann::ordered_json field_value_json(const FieldValue& v);
// One line, valid UTF-8 (anything else was repaired upstream; replaced here as a last resort).
std::string json_line(const nlohmann::ordered_json& j);

}  // namespace closeout
