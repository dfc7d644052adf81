// SPDX-License-Identifier: GPL-3.0-or-later
// Program version (from the CMake project version).
#pragma once
#include <string_view>

namespace closeout {
std::string_view version() noexcept;
}
