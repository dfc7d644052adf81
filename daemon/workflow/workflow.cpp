// SPDX-License-Identifier: GPL-3.0-or-later
#include "workflow.h"

#include "mail_compose.h"

namespace closeout::workflow {

std::vector<std::string> addresses(const std::vector<std::string>& configured) {
  std::vector<std::string> out;
  for (const auto& text : configured) {
    if (text.find('*') != std::string::npos || text.find('?') != std::string::npos) continue;
    if (auto a = parse_mail_address(text); a && is_envelope_safe(a->address))
      out.push_back(a->address);
  }
  return out;
}

}  // namespace closeout::workflow
