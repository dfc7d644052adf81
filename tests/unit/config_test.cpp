// SPDX-License-Identifier: GPL-3.0-or-later
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
  EXPECT_EQ(c.limits.max_attachment_bytes, 20971520u);
  EXPECT_EQ(c.limits.max_pdf_pages, 20u);
  EXPECT_EQ(c.limits.max_image_pixels, 40000000u);
  EXPECT_EQ(c.limits.extract_seconds, std::chrono::seconds(30));
  EXPECT_EQ(c.limits.extract_memory, 536870912u);
  EXPECT_TRUE(c.closeout.attach_form);
}

TEST(Config, EmptyFileGivesSpecDefaults) {
  Config c = parse_config("", "empty.toml");
  EXPECT_EQ(c.cits.senders, std::vector<std::string>{"*@cits.canon.com"});
  EXPECT_EQ(c.imap.processed_folder, "Processed");
  EXPECT_EQ(c.imap.quarantine_folder, "Quarantine");
  EXPECT_TRUE(c.imap.tls_verify);
  EXPECT_EQ(c.reminders.first_after, std::chrono::hours(48));
  EXPECT_EQ(c.limits.max_attachment_bytes, 20971520u);
  EXPECT_EQ(c.limits.max_pdf_pages, 20u);
  EXPECT_EQ(c.limits.max_image_pixels, 40000000u);
  EXPECT_EQ(c.limits.extract_seconds, std::chrono::seconds(30));
  EXPECT_EQ(c.limits.extract_memory, 536870912u);
  EXPECT_TRUE(c.closeout.attach_form);
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

TEST(Config, AttachmentLimitsAndAttachForm) {
  Config c = parse_config(
      "[limits]\nmax_attachment_bytes = 1048576\nmax_pdf_pages = 3\nmax_image_pixels = 9000000\n"
      "extract_seconds = \"1m30s\"\nextract_memory = 268435456\n[closeout]\nattach_form = false\n",
      "c.toml");
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.limits.max_attachment_bytes, 1048576u);
  EXPECT_EQ(c.limits.max_pdf_pages, 3u);
  EXPECT_EQ(c.limits.max_image_pixels, 9000000u);
  EXPECT_EQ(c.limits.extract_seconds, std::chrono::seconds(90));
  EXPECT_EQ(c.limits.extract_memory, 268435456u);
  EXPECT_FALSE(c.closeout.attach_form);
  EXPECT_EQ(parse_config("[limits]\nextract_seconds = 5\n", "c.toml").limits.extract_seconds,
            std::chrono::seconds(5));
}

TEST(Config, AttachmentLimitsOutOfBoundsNameTheKey) {
  EXPECT_EQ(error_of("[limits]\nmax_attachment_bytes = 0\n"),
            "c.toml:2: limits.max_attachment_bytes: must be a positive whole number of bytes");
  EXPECT_EQ(error_of("[limits]\nmax_attachment_bytes = 2147483648\n"),
            "c.toml:2: limits.max_attachment_bytes: is more than 1073741824 bytes (1 GiB)");
  EXPECT_EQ(error_of("[limits]\nmax_pdf_pages = 0\n"),
            "c.toml:2: limits.max_pdf_pages: must be a positive whole number of pages");
  EXPECT_EQ(error_of("[limits]\nmax_pdf_pages = 5000\n"),
            "c.toml:2: limits.max_pdf_pages: is more than 1000 pages, the most allowed");
  EXPECT_EQ(error_of("[limits]\nmax_image_pixels = \"40M\"\n"),
            "c.toml:2: limits.max_image_pixels: must be a positive whole number of pixels");
  EXPECT_EQ(error_of("[limits]\nmax_image_pixels = 2000000000\n"),
            "c.toml:2: limits.max_image_pixels: is more than 1000000000 pixels, the most allowed");
  EXPECT_EQ(error_of("[limits]\nextract_seconds = \"0s\"\n"),
            "c.toml:2: limits.extract_seconds: must be longer than zero");
  EXPECT_EQ(error_of("[limits]\nextract_seconds = \"2h\"\n"),
            "c.toml:2: limits.extract_seconds: is longer than 10m, the longest allowed");
  EXPECT_EQ(error_of("[limits]\nextract_memory = 1000000\n"),
            "c.toml:2: limits.extract_memory: is less than 67108864 bytes (64 MiB)");
  EXPECT_EQ(error_of("[limits]\nextract_memory = 17179869185\n"),
            "c.toml:2: limits.extract_memory: is more than 17179869184 bytes (16 GiB)");
  EXPECT_EQ(error_of("[closeout]\nattach_form = \"yes\"\n"),
            "c.toml:2: closeout.attach_form: must be true or false");
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
