// SPDX-License-Identifier: GPL-3.0-or-later
#include "transport_error.h"

#include "exit_codes.h"

namespace closeout::transport {

std::string_view failure_name(Failure kind) noexcept {
  switch (kind) {
    case Failure::unreachable:
      return "unreachable";
    case Failure::tls:
      return "tls";
    case Failure::certificate:
      return "certificate";
    case Failure::auth:
      return "authentication";
    case Failure::timeout:
      return "timeout";
    case Failure::protocol:
      return "protocol";
    case Failure::config:
      return "configuration";
    case Failure::cancelled:
      return "cancelled";
    case Failure::signin:
      return "sign-in needed";
  }
  return "unknown";
}

int exit_code_for(Failure kind) noexcept {
  switch (kind) {
    case Failure::auth:
    case Failure::config:
    case Failure::signin:
      return exit_code::config;
    case Failure::cancelled:
      return exit_code::software;
    default:
      return exit_code::unavailable;
  }
}

bool is_transient(Failure kind) noexcept {
  return kind != Failure::auth && kind != Failure::config && kind != Failure::cancelled;
}

std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto authority_start = scheme + 3;
  auto authority_end = url.find('/', authority_start);
  auto at = url.rfind('@', authority_end);
  if (at == std::string_view::npos || at < authority_start) return std::string(url);
  return std::string(url.substr(0, authority_start)) + std::string(url.substr(at + 1));
}

}  // namespace closeout::transport
