// SPDX-License-Identifier: GPL-3.0-or-later
// The outgoing mail's words: every compiled-in template renders, an admin's file replaces just
// its own template, and a broken one is refused when loaded, not when a close-out is due.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mail_templates.h"

namespace closeout::workflow {
namespace {

TEST(MailTemplates, EveryBuiltInTemplateHasASubjectAndABody) {
  MailTemplates set = MailTemplates::load("");
  for (auto name : MailTemplates::names()) {
    auto mail =
        set.render(name, {{"dispatch_number", "7012345678"}, {"tag", "[CITS #7012345678]"}});
    EXPECT_FALSE(mail.subject.empty()) << name;
    // Replies thread back to their dispatch by the tag; the digest is about all of them, the
    // sign-in mail about none.
    if (name != "digest" && name != "signin_needed") {
      EXPECT_NE(mail.subject.find("[CITS #7012345678]"), std::string::npos) << name;
    }
    EXPECT_FALSE(mail.body.empty()) << name;
    EXPECT_EQ(set.sources().at(std::string(name)), "built-in");
  }
}

TEST(MailTemplates, ValuesAreInsertedAsTextNotHtml) {
  MailTemplates set;
  auto mail = set.render("not_dispatched", {{"dispatch_number", "<7&1>"}, {"tag", ""}});
  EXPECT_NE(mail.body.find("<7&1>"), std::string::npos);
}

class TemplateDir : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/closeoutd-templates.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(TemplateDir, AnOverrideReplacesOnlyItsOwnTemplate) {
  std::ofstream(dir_ + "/pending.txt")
      << "Subject: {{tag}} on hold\n\nWe wait for parts, {{dealer_name}}.\n";
  MailTemplates set = MailTemplates::load(dir_);
  auto mail = set.render("pending", {{"tag", "[CITS #1]"}, {"dealer_name", "Acme"}});
  EXPECT_EQ(mail.subject, "[CITS #1] on hold");
  EXPECT_EQ(mail.body, "We wait for parts, Acme.\n");
  EXPECT_EQ(set.sources().at("pending"), dir_ + "/pending.txt");
  EXPECT_EQ(set.sources().at("closeout"), "built-in");
}

TEST_F(TemplateDir, ABrokenOverrideIsRefusedAtLoad) {
  std::ofstream(dir_ + "/closeout.txt") << "Subject: x\n\n{{#section2}} never closed\n";
  EXPECT_THROW(MailTemplates::load(dir_), TemplateError);
  std::ofstream(dir_ + "/closeout.txt") << "no subject line\n";
  EXPECT_THROW(MailTemplates::load(dir_), TemplateError);
  EXPECT_THROW(MailTemplates::load(dir_ + "/nope"), TemplateError);
}

}  // namespace
}  // namespace closeout::workflow
