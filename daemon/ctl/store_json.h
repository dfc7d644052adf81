// SPDX-License-Identifier: GPL-3.0-or-later
// The JSON shapes closeoutctl prints (SPEC "Commands": list --json, outbox --json); field names
// are a contract.
#pragma once
#include <nlohmann/json.hpp>

#include "dispatch_store.h"
#include "outbox_store.h"

namespace closeout {

nlohmann::ordered_json dispatch_json(const store::DispatchRecord& d);
nlohmann::ordered_json outbox_json(const store::OutboxEntry& e);
std::string recipients_text(const store::OutboxEntry& e);

}  // namespace closeout
