// SPDX-License-Identifier: GPL-3.0-or-later
// The form field names people give the CITS form's fields in Acrobat, LiveCycle, Word (legacy
// form fields are bookmarks: no blanks) and LibreOffice, and the keys they must map to: by the
// name read as a label, or by a pdf_fields entry in config/cits-form.toml.
#include <gtest/gtest.h>

#include "form_definition.h"

namespace closeout {
namespace {

std::string key_of(std::string_view name) {
  const FieldSpec* f = FormDefinition::builtin().field_for_form_field(name);
  return f ? f->key : "";
}

TEST(PdfFieldNames, NamesReadAsLabelsNeedNoEntry) {
  EXPECT_EQ(key_of("Technician Name"), "technician_name");
  EXPECT_EQ(key_of("TechName"), "technician_name");
  EXPECT_EQ(key_of("Date of Service"), "service_date");
  EXPECT_EQ(key_of("topmostSubform[0].Page1[0].DateOfService[0]"), "service_date");
  EXPECT_EQ(key_of("service_date"), "service_date");
  EXPECT_EQ(key_of("TimeIn"), "arrival_time");
  EXPECT_EQ(key_of("TimeOut"), "completion_time");
  EXPECT_EQ(key_of("LaborHours"), "labor_hours");
  EXPECT_EQ(key_of("ETagNumber"), "etag_number");
  EXPECT_EQ(key_of("SerialNo"), "serial_number");
  EXPECT_EQ(key_of("DispatchNo"), "dispatch_number");
  EXPECT_EQ(key_of("Call Status"), "call_status");
}

TEST(PdfFieldNames, AbbreviationsComeFromPdfFieldsEntries) {
  EXPECT_EQ(key_of("LaborHrs"), "labor_hours");
  EXPECT_EQ(key_of("Labour_Hrs"), "labor_hours");
  EXPECT_EQ(key_of("TotalHrs"), "labor_hours");
  EXPECT_EQ(key_of("SvcDate"), "service_date");
  EXPECT_EQ(key_of("ArrTime"), "arrival_time");
  EXPECT_EQ(key_of("CompTime"), "completion_time");
  EXPECT_EQ(key_of("SerialNum"), "serial_number");
  EXPECT_EQ(key_of("ModelNo"), "model");
  EXPECT_EQ(key_of("eTagNo"), "etag_number");
  EXPECT_EQ(key_of("ETag_No"), "etag_number");
  EXPECT_EQ(key_of("MeterRead"), "meter_reading");
  EXPECT_EQ(key_of("CustName"), "customer_name");
}

TEST(PdfFieldNames, AnEntryMatchesTheLastPartOfAQualifiedName) {
  // LiveCycle nests every field: "LaborHrs" must also mean labor hours there.
  EXPECT_EQ(key_of("topmostSubform[0].Page1[0].LaborHrs[0]"), "labor_hours");
  EXPECT_EQ(key_of("form1.Section2.SvcDate"), "service_date");
}

TEST(PdfFieldNames, NamesThatMeanNothingMapToNothing) {
  EXPECT_EQ(key_of("Text1"), "");
  EXPECT_EQ(key_of("Check Box3"), "");
  EXPECT_EQ(key_of("topmostSubform[0].Page1[0].Completed[0]"), "");
  EXPECT_EQ(key_of(""), "");
}

}  // namespace
}  // namespace closeout
