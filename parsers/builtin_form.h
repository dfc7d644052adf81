// SPDX-License-Identifier: GPL-3.0-or-later
// The CITS form definition compiled into the binary (config/cits-form.toml at build time).
// Used when the admin names no form file of their own.
#pragma once
#include <string_view>

namespace closeout {
std::string_view builtin_form_text() noexcept;
}
