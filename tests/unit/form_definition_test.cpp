// SPDX-License-Identifier: GPL-3.0-or-later
// The form definition file: the shipped one is complete, and broken ones are refused clearly.
#include "form_definition.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace closeout {
namespace {

TEST(FormDefinition, BuiltInIsTheShippedFileAndCoversEverySpecKey) {
  std::ifstream in(std::string(CLOSEOUT_SOURCE_DIR) + "/config/cits-form.toml");
  std::stringstream text;
  text << in.rdbuf();
  FormDefinition shipped = FormDefinition::from_toml(text.str(), "cits-form.toml");
  EXPECT_EQ(shipped.fields().size(), FormDefinition::builtin().fields().size());
  for (const char* key :
       {"dispatch_number", "dispatch_date", "service_provider",  "model",
        "serial_number",   "customer_name", "customer_address",  "contact_name",
        "contact_phone",   "contact_email", "warranty_status",   "problem_description",
        "technician_name", "service_date",  "arrival_time",      "completion_time",
        "labor_hours",     "problem_found", "corrective_action", "parts_used",
        "etag_number",     "meter_reading", "call_status"}) {
    EXPECT_NE(FormDefinition::builtin().field(key), nullptr) << key;
  }
}

TEST(FormDefinition, LabelsAndAliasesAreNormalised) {
  const auto& form = FormDefinition::builtin();
  EXPECT_EQ(FormDefinition::normalize_label("*Date of  Service (MM/DD/YYYY):*"), "date of service");
  EXPECT_EQ(form.field_for_label("e-tag number")->key, "etag_number");
  EXPECT_EQ(form.field_for_label("labour hours")->key, "labor_hours");
  EXPECT_EQ(form.field_for_label("s/n")->key, "serial_number");
  EXPECT_EQ(form.field_for_label("nonsense"), nullptr);
}

TEST(FormDefinition, PatternsComeFromTheData) {
  const auto& form = FormDefinition::builtin();
  EXPECT_TRUE(form.is_dispatch_number("7012345678"));
  EXPECT_FALSE(form.is_dispatch_number("70123"));
  EXPECT_EQ(form.dispatch_number_in_subject("RE: Service Dispatch 7012345678 - iPF685"),
            "7012345678");
  EXPECT_EQ(form.dispatch_number_in_subject("Dispatch #7012345678"), "7012345678");
  EXPECT_EQ(form.dispatch_number_in_subject("Lunch on Friday"), std::nullopt);
  EXPECT_TRUE(form.is_part_number("QY6-0083-000"));
  EXPECT_FALSE(form.is_part_number("FUSER"));
}

std::string error_of(const std::string& text) {
  try {
    FormDefinition::from_toml(text, "f.toml");
  } catch (const FormError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FormDefinition, BrokenDefinitionsAreRefusedWithTheReason) {
  const std::string head =
      "[form]\ndispatch_number_pattern = \"^[0-9]+$\"\npart_number_pattern = \"^.+$\"\n";
  EXPECT_EQ(error_of("[form\n").rfind("f.toml: line 1", 0), 0u);
  EXPECT_EQ(error_of(head), "f.toml: no [[field]] entries");
  EXPECT_NE(error_of("[form]\ndispatch_number_pattern = \"([\"\npart_number_pattern = \"x\"\n"
                     "[[field]]\nkey=\"a\"\nlabel=\"A\"\nsection=[1]\n")
                .find("not a valid regular expression"),
            std::string::npos);
  EXPECT_EQ(error_of(head + "[[field]]\nkey=\"a\"\nlabel=\"Same\"\nsection=[1]\n"
                            "[[field]]\nkey=\"b\"\nlabel=\"same\"\nsection=[2]\n"),
            "f.toml: label 'same' names both 'a' and 'b'");
  EXPECT_EQ(error_of(head + "[[field]]\nkey=\"a\"\nlabel=\"A\"\nsection=[3]\n"),
            "f.toml: field 'a': section must be 1 or 2");
  EXPECT_EQ(error_of(head + "[[field]]\nlabel=\"A\"\nsection=[1]\n"), "f.toml: missing 'key'");
}

}  // namespace
}  // namespace closeout
