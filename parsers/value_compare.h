// SPDX-License-Identifier: GPL-3.0-or-later
// Whether two values written for the same form key say the same thing once read: "11/24/2026"
// and "Nov 24, 2026", "9:30 AM" and "09:30", "QY6-0083 x1" and "1 x qy6-0083". Used to tell a
// technician that the mail and an attachment disagree; pure and total.
#pragma once
#include <string>
#include <string_view>

#include "form_definition.h"

namespace closeout {

bool same_value(const std::string& key, std::string_view a, std::string_view b,
                const FormDefinition& form);

}  // namespace closeout
