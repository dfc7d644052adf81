// closeoutd.toml loading: defaults, every type error named with its key and line, unknown keys
// as warnings, durations.
#include "config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "form_file.h"

namespace closeout {
namespace {

TEST(Config, ShippedExampleLoadsWithoutWarnings) {
  Config c = load_config(std::string(CLOSEOUT_SOURCE_DIR) + "/config/closeoutd.toml");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.imap.url, "imaps://imap.example.com/INBOX");
  EXPECT_EQ(c.imap.poll_interval, std::chrono::seconds(60));
  EXPECT_EQ(c.reminders.escalate_after, std::chrono::hours(5 * 24));
  EXPECT_EQ(c.dealer.technicians, std::vector<std::string>{"*@dealer.example"});
  EXPECT_EQ(c.limits.max_message_bytes, 26214400u);
}

TEST(Config, EmptyFileGivesSpecDefaults) {
  Config c = parse_config("", "empty.toml");
  EXPECT_EQ(c.cits.senders, std::vector<std::string>{"*@cits.canon.com"});
  EXPECT_EQ(c.imap.processed_folder, "Processed");
  EXPECT_EQ(c.imap.quarantine_folder, "Quarantine");
  EXPECT_TRUE(c.imap.tls_verify);
  EXPECT_EQ(c.reminders.first_after, std::chrono::hours(48));
}

std::string error_of(const std::string& text) {
  try {
    parse_config(text, "c.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, TypeErrorsNameFileLineAndKey) {
  EXPECT_EQ(error_of("[imap]\nidle = \"yes\"\n"), "c.toml:2: imap.idle: must be true or false");
  EXPECT_EQ(error_of("\n[cits]\nsenders = \"*@cits.canon.com\"\n"),
            "c.toml:3: cits.senders: must be a list of strings");
  EXPECT_EQ(error_of("[smtp]\nstarttls = \"maybe\"\n"),
            "c.toml:2: smtp.starttls: is \"maybe\"; it must be one of required | none");
  EXPECT_NE(error_of("[reminders]\nfirst_after = \"2 fortnights\"\n")
                .find("c.toml:2: reminders.first_after"),
            std::string::npos);
  EXPECT_EQ(error_of("[limits]\nmax_message_bytes = -1\n"),
            "c.toml:2: limits.max_message_bytes: must be a positive whole number of bytes");
  EXPECT_EQ(error_of("imap = 3\n"), "c.toml:1: imap: must be a table ([imap])");
  EXPECT_NE(error_of("[imap\n").find("c.toml:1"), std::string::npos);
}

TEST(Config, UnknownKeysAreWarnings) {
  Config c = parse_config("[imap]\nidel = true\n[extra]\nx = 1\n", "c.toml");
  ASSERT_EQ(c.warnings.size(), 2u);
  EXPECT_EQ(c.warnings[0], "c.toml:3: unknown section [extra] (ignored)");
  EXPECT_EQ(c.warnings[1], "c.toml:2: unknown key imap.idel (ignored)");
}

TEST(Config, Durations) {
  EXPECT_EQ(parse_duration("60s"), std::chrono::seconds(60));
  EXPECT_EQ(parse_duration("15m"), std::chrono::minutes(15));
  EXPECT_EQ(parse_duration("1h30m"), std::chrono::minutes(90));
  EXPECT_EQ(parse_duration("5d"), std::chrono::hours(120));
  EXPECT_EQ(parse_duration("90"), std::chrono::seconds(90));
  EXPECT_THROW(parse_duration("soon"), std::invalid_argument);
  EXPECT_THROW(parse_duration("5y"), std::invalid_argument);
  EXPECT_THROW(parse_duration(""), std::invalid_argument);
}

TEST(Config, FormDefinitionFileOverridesTheBuiltIn) {
  const std::string path = testing::TempDir() + "/custom-form.toml";
  std::ofstream(path)
      << "[form]\ndispatch_number_pattern = \"^[0-9]{8}$\"\n"
         "part_number_pattern = \"^[A-Z0-9-]+$\"\n"
         "[[field]]\nkey = \"technician_name\"\nsection = [2]\nlabel = \"Engineer\"\n";
  Config c = parse_config("[cits]\nform_definition = \"" + path + "\"\n", "c.toml");
  auto form = load_form_definition(c);
  ASSERT_NE(form->field_for_label("engineer"), nullptr);
  EXPECT_EQ(form->field_for_label("technician name"), nullptr);
  EXPECT_TRUE(form->is_dispatch_number("12345678"));

  c.cits.form_definition = testing::TempDir() + "/missing-form.toml";
  EXPECT_THROW(load_form_definition(c), ConfigError);
  std::ofstream(path) << "[form]\n";
  c.cits.form_definition = path;
  EXPECT_THROW(load_form_definition(c), ConfigError);
}

}  // namespace
}  // namespace closeout

namespace closeout {
namespace {

TEST(Config, OutboxRetryPolicy) {
  Config defaults = parse_config("", "c.toml");
  EXPECT_EQ(defaults.outbox.retry_first, std::chrono::seconds(60));
  EXPECT_EQ(defaults.outbox.retry_max, std::chrono::seconds(3600));
  Config c = parse_config("[outbox]\nretry_first = \"30s\"\nretry_max = \"2h\"\n", "c.toml");
  EXPECT_EQ(c.outbox.retry_first, std::chrono::seconds(30));
  EXPECT_EQ(c.outbox.retry_max, std::chrono::seconds(7200));
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_THROW(parse_config("[outbox]\nretry_first = \"soon\"\n", "c.toml"), ConfigError);
}

}  // namespace
}  // namespace closeout
