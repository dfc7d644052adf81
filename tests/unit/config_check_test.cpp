// SPDX-License-Identifier: GPL-3.0-or-later
// A configuration that loads but cannot work is refused with the key and file named (issue 11):
// no sender, no close-out address, addresses that do not parse, unusable folders, and durations
// so long they would overflow.
#include "config_check.h"

#include <gtest/gtest.h>

#include "config.h"

namespace closeout {
namespace {

const char* kWorking =
    "[smtp]\nfrom = \"Acme Service <service@dealer.example>\"\n"
    "[cits]\ncloseout_address = \"isg@closeout.example\"\n"
    "[dealer]\nnotify = [\"techs@dealer.example\"]\nadmins = [\"Boss <boss@dealer.example>\"]\n";

// The first line check_config_usable refuses with, or "(usable)".
std::string refusal(const std::string& extra) {
  try {
    check_config_usable(parse_config(kWorking + extra, "c.toml"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(usable)";
}

std::string refusal_of(const std::string& text) {
  try {
    check_config_usable(parse_config(text, "c.toml"));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(usable)";
}

TEST(ConfigCheck, AWorkingConfigurationPasses) { EXPECT_EQ(refusal(""), "(usable)"); }

TEST(ConfigCheck, TheShippedExamplePasses) {
  EXPECT_NO_THROW(check_config_usable(
      load_config(std::string(CLOSEOUT_SOURCE_DIR) + "/config/closeoutd.toml")));
}

TEST(ConfigCheck, NoSenderIsRefusedNamingTheKeyAndFile) {
  EXPECT_EQ(refusal_of("[cits]\ncloseout_address = \"isg@closeout.example\"\n"),
            "c.toml: smtp.from: is empty; closeoutd cannot send mail without it");
}

const char* kSmtp = "[smtp]\nfrom = \"service@dealer.example\"\n";

TEST(ConfigCheck, EveryAddressKeyIsChecked) {
  EXPECT_EQ(refusal_of("[smtp]\nfrom = \"not an address\"\n"),
            "c.toml: smtp.from: \"not an address\" is not an address like \"Acme Service "
            "<service@dealer.example>\"");
  EXPECT_EQ(refusal_of(std::string(kSmtp) + "[cits]\ncloseout_address = \"\"\n"),
            "c.toml: cits.closeout_address: is empty; closeoutd cannot send mail without it");
  EXPECT_NE(refusal_of(std::string(kSmtp) + "[cits]\ncloseout_address = \"isg@a@b\"\n")
                .find("c.toml: cits.closeout_address: \"isg@a@b\" is not an address"),
            std::string::npos);
  EXPECT_NE(refusal_of(std::string(kSmtp) + "[dealer]\nnotify = [\"techs@x.example\", \"oops\"]\n")
                .find("c.toml: dealer.notify: \"oops\""),
            std::string::npos);
  EXPECT_EQ(refusal_of(std::string(kSmtp) + "[dealer]\nadmins = [\"*@dealer.example\"]\n"),
            "c.toml: dealer.admins: \"*@dealer.example\" is a pattern; this list needs real "
            "addresses");
  EXPECT_NE(refusal_of(std::string(kSmtp) + "[dealer]\ntechnicians = [\"\"]\n")
                .find("c.toml: dealer.technicians: has an empty entry"),
            std::string::npos);
  EXPECT_NE(refusal_of(std::string(kSmtp) + "[cits]\nsenders = []\n").find("c.toml: cits.senders"),
            std::string::npos);
}

TEST(ConfigCheck, FoldersMustBeNameableAndDistinct) {
  EXPECT_EQ(refusal_of(std::string(kSmtp) + "[imap]\nprocessed_folder = \"\"\n"),
            "c.toml: imap.processed_folder: \"\" cannot be a folder name");
  EXPECT_EQ(refusal_of(std::string(kSmtp) + "[imap]\nquarantine_folder = \"inbox\"\n"),
            "c.toml: imap.quarantine_folder: cannot be INBOX: mail moved there would be read "
            "again");
  EXPECT_EQ(refusal_of(std::string(kSmtp) + "[imap]\nquarantine_folder = \"Processed\"\n"),
            "c.toml: imap.quarantine_folder: must differ from imap.processed_folder");
}

std::string load_error(const std::string& text) {
  try {
    parse_config(text, "c.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(loaded)";
}

TEST(ConfigCheck, DurationsTooLongToMeanAnythingAreRefusedNamingTheKey) {
  EXPECT_EQ(load_error("[reminders]\nfirst_after = \"99999999999999d\"\n"),
            "c.toml:2: reminders.first_after: \"99999999999999d\" is far too long a duration");
  EXPECT_EQ(load_error("[imap]\npoll_interval = 9223372036854775807\n"),
            "c.toml:2: imap.poll_interval: is longer than 1d, the longest allowed");
  EXPECT_EQ(load_error("[reminders]\nescalate_after = \"999999999w\"\n"),
            "c.toml:2: reminders.escalate_after: is longer than 366d, the longest allowed");
  EXPECT_EQ(load_error("[outbox]\nretry_max = \"999999999w999999999w999999999w\"\n"),
            "c.toml:2: outbox.retry_max: \"999999999w999999999w999999999w\" is far too long a "
            "duration");
  EXPECT_EQ(load_error("[imap]\npoll_interval = \"2d\"\n"),
            "c.toml:2: imap.poll_interval: is longer than 1d, the longest allowed");
  EXPECT_EQ(load_error("[reminders]\nescalate_after = \"30d\"\n"), "(loaded)");
  EXPECT_EQ(load_error("[limits]\nmax_message_bytes = 9223372036854775807\n"),
            "c.toml:2: limits.max_message_bytes: is more than 1073741824 bytes (1 GiB)");
}

}  // namespace
}  // namespace closeout
