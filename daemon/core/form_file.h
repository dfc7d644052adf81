// SPDX-License-Identifier: GPL-3.0-or-later
// The form definition the program uses: the admin's file when cits.form_definition names one,
// else the built-in copy. A missing or broken file is a ConfigError: better not to start than
// to misread every Section 2.
#pragma once
#include <memory>

#include "config.h"
#include "form_definition.h"

namespace closeout {

std::shared_ptr<const FormDefinition> load_form_definition(const Config& config);

}  // namespace closeout
