// SPDX-License-Identifier: GPL-3.0-or-later
// `closeoutctl check-config [--offline]`: the admin's first look at a new configuration. Checks
// the file, reads the password files, then really logs in to IMAP and SMTP and says what it
// found (capabilities, the mailbox, the folders it will use). Exit 0 all good, 78 for the
// configuration or refused credentials, 69 for a server that cannot be used.
#pragma once
#include <iosfwd>
#include <string>

namespace closeout {

struct CheckConfigOptions {
  std::string config_path;
  bool offline = false;
};

int run_check_config_command(const CheckConfigOptions& options, std::ostream& out,
                             std::ostream& err);

}  // namespace closeout
