// SPDX-License-Identifier: GPL-3.0-or-later
// The OCR reader on the scan samples of tests/data/attachments/scan (see its README for how
// each was made and what it shows): printed forms read to the values typed on them, handwriting
// refused, a 100-megapixel image refused from its header. Five OCR runs in all (~1-2 s each).
#include "image_reader.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "exif_orientation.h"
#include "label_fields.h"
#include "ocr_verdict.h"

namespace closeout::extract {
namespace {

namespace fs = std::filesystem;
const fs::path kScans = fs::path(CLOSEOUT_TEST_DATA) / "attachments" / "scan";

std::string slurp(const std::string& name) {
  std::ifstream in(kScans / name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  EXPECT_TRUE(in.good() || in.eof()) << name;
  return out.str();
}

std::map<std::string, std::string> values_of(const AttachmentReading& reading) {
  std::map<std::string, std::string> out;
  for (const auto& lv : find_labeled_values(reading.text, FormDefinition::builtin()))
    if (lv.field) out.emplace(lv.field->key, lv.value);
  return out;
}

ExtractRequest image_request() {
  ExtractRequest request;
  request.kind = "image";
  return request;
}

// What make_form.py prints on every sample, read back by eye from the images.
void expect_the_printed_form(const AttachmentReading& reading) {
  EXPECT_EQ(reading.read, AttachmentRead::ocr) << reading.reason;
  EXPECT_GE(reading.min_confidence, kNoiseConfidence);
  EXPECT_LE(reading.min_confidence, 100);
  const std::map<std::string, std::string> expected{
      {"dispatch_number", "7012345678"},
      {"technician_name", "Mike Ross"},
      {"service_date", "11/24/2026"},
      {"arrival_time", "9:30 AM"},
      {"completion_time", "11:15 AM"},
      {"labor_hours", "1.75"},
      {"problem_found", "Printhead contacts corroded"},
      {"corrective_action", "Cleaned contacts, replaced printhead"},
      {"parts_used", "QY6-0083 x1"},
      {"etag_number", "ET4471203"},
      {"call_status", "Completed"},
  };
  EXPECT_EQ(values_of(reading), expected) << reading.text;
}

TEST(ImageReader, CleanScanAt300DpiReadsEveryValue) {
  expect_the_printed_form(read_image(slurp("clean_300dpi.png"), image_request()));
}

TEST(ImageReader, NoisyJpegFedUpsideDownIsTurnedAndRead) {
  expect_the_printed_form(read_image(slurp("noisy_200dpi_upside_down.jpg"), image_request()));
}

TEST(ImageReader, TiltedPhonePhotoWithExifOrientationIsRead) {
  std::string photo = slurp("phone_photo_exif6.jpg");
  ASSERT_EQ(jpeg_exif_orientation(photo), 6);
  expect_the_printed_form(read_image(photo, image_request()));
}

TEST(ImageReader, ImageOnlyPdfPageStoredSidewaysIsRenderedAndRead) {
  ExtractRequest request;
  request.kind = "pdf";
  expect_the_printed_form(ocr_pdf_pages(slurp("scan_image_only.pdf"), request));
}

// A PDF of `pages` blank pages of the given size in points, with a correct xref table.
std::string blank_pdf(int pages, int width, int height) {
  std::vector<std::string> objects{"<< /Type /Catalog /Pages 2 0 R >>", ""};
  std::string kids;
  for (int i = 0; i < pages; ++i) {
    kids += std::to_string(3 + i) + " 0 R ";
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + std::to_string(width) + " " +
                      std::to_string(height) + "] >>");
  }
  objects[1] = "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>";
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  std::size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (std::size_t at : offsets) {
    std::string number = std::to_string(at);
    pdf += std::string(10 - number.size(), '0') + number + " 00000 n \n";
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

TEST(ImageReader, PdfPageTooLargeToRenderIsRefusedNotRendered) {
  ExtractRequest request;
  request.kind = "pdf";
  // 200 x 200 inches (the largest page PDF allows): 3.6 gigapixels at 300 dpi, and at the
  // 150 dpi floor still 900 MP, far over the default 40 MP.
  auto started = std::chrono::steady_clock::now();
  AttachmentReading reading = ocr_pdf_pages(blank_pdf(1, 14400, 14400), request);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  EXPECT_EQ(reading.read, AttachmentRead::unreadable);
  EXPECT_EQ(reading.reason,
            "every page is larger than max_image_pixels allows; 1 page(s) larger than "
            "max_image_pixels allows at 150 dpi were not read");
  EXPECT_EQ(reading.limits_tripped, std::vector<std::string>{"max_image_pixels"});
}

TEST(ImageReader, PdfPagesBeyondMaxPdfPagesAreNotRead) {
  ExtractRequest request;
  request.kind = "pdf";
  request.max_pdf_pages = 1;
  // Small blank pages: OCR finds nothing on the one page it reads, quickly.
  AttachmentReading reading = ocr_pdf_pages(blank_pdf(3, 144, 144), request);
  EXPECT_EQ(reading.read, AttachmentRead::unreadable);
  EXPECT_NE(reading.reason.find("no printed text found"), std::string::npos) << reading.reason;
  EXPECT_NE(reading.reason.find("only the first 1 pages were read (max_pdf_pages)"),
            std::string::npos)
      << reading.reason;
  EXPECT_EQ(reading.limits_tripped, std::vector<std::string>{"max_pdf_pages"});
}

TEST(ImageReader, HandwrittenSection2IsUnreadableAndAsksForTyping) {
  AttachmentReading reading = read_image(slurp("handwritten_300dpi.png"), image_request());
  EXPECT_EQ(reading.read, AttachmentRead::unreadable);
  EXPECT_EQ(reading.reason,
            "handwriting or an unreadable scan; please type Section 2 into the reply");
  EXPECT_TRUE(reading.text.empty());
}

TEST(ImageReader, HundredMegapixelPngIsRefusedFromItsHeader) {
  std::string png = slurp("hostile_100mp.png");
  auto started = std::chrono::steady_clock::now();
  AttachmentReading reading = read_image(png, image_request());
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(reading.read, AttachmentRead::unreadable);
  EXPECT_EQ(reading.reason, "the image is larger than max_image_pixels (10000x10000)");
  EXPECT_EQ(reading.limits_tripped, std::vector<std::string>{"max_image_pixels"});
  // Decoding 100 MP takes seconds and 100 MB; the header alone is read in well under that.
  EXPECT_LT(took, std::chrono::milliseconds(500));
  // Cut after the first 100 bytes the pixels cannot be decoded at all: the same refusal shows
  // the decision is taken from the header.
  EXPECT_EQ(read_image(png.substr(0, 100), image_request()).reason, reading.reason);
}

TEST(ImageReader, ImageWithinTheLimitIsNotRefusedByIt) {
  ExtractRequest request = image_request();
  request.max_image_pixels = 10'000ULL * 10'000;  // exactly the hostile PNG's count
  AttachmentReading reading = read_image(slurp("hostile_100mp.png").substr(0, 100), request);
  EXPECT_EQ(reading.read, AttachmentRead::unreadable);
  EXPECT_TRUE(reading.limits_tripped.empty());
  EXPECT_EQ(reading.reason, "the image could not be decoded (damaged or truncated)");
}

TEST(ImageReader, BytesThatAreNoImageAreUnreadable) {
  AttachmentReading reading = read_image("GIF89a not really", image_request());
  EXPECT_EQ(reading.read, AttachmentRead::unreadable);
  EXPECT_EQ(reading.reason, "not a PNG, JPEG or TIFF image that can be read");
}

TEST(ExifOrientation, ReadsTheTagAndToleratesDamage) {
  std::string photo = slurp("phone_photo_exif6.jpg");
  EXPECT_EQ(jpeg_exif_orientation(photo), 6);
  // -strip removed the EXIF segment of the scanner's JPEG.
  EXPECT_EQ(jpeg_exif_orientation(slurp("noisy_200dpi_upside_down.jpg")), 1);
  // Every truncation of the metadata reads as "as stored", never past the end.
  for (std::size_t cut = 0; cut < 400; ++cut) {
    int o = jpeg_exif_orientation(photo.substr(0, cut));
    EXPECT_TRUE(o == 1 || o == 6) << cut;
  }
  // Big-endian ("MM") EXIF with Orientation 8, built by hand.
  std::string tiff("MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x08\0\0", 22);
  std::string app1 = std::string("Exif\0\0", 6) + tiff;
  std::string jpeg = std::string("\xff\xd8\xff\xe1", 4) + char((app1.size() + 2) >> 8) +
                     char((app1.size() + 2) & 0xff) + app1 + "\xff\xda";
  EXPECT_EQ(jpeg_exif_orientation(jpeg), 8);
  jpeg[jpeg.size() - 5] = '\x09';  // not an orientation EXIF defines
  EXPECT_EQ(jpeg_exif_orientation(jpeg), 1);
}

// The verdict rules on made-up words: no OCR, so they run in microseconds.
PlacedWord word(std::string text, double x, double y, double confidence) {
  double width = 10.0 * double(text.size());  // before the move below
  return {std::move(text), 0, x, y, x + width, y + 20, confidence};
}

// A form line as OCR boxes it: words a space apart, the value in a column of its own.
std::vector<PlacedWord> labelled_line(double y, std::string label1, std::string label2,
                                      std::vector<std::pair<std::string, double>> values) {
  std::vector<PlacedWord> out{word(label1, 0, y, 96)};
  out.push_back(word(std::move(label2), out.back().x1 + 8, y, 96));
  double x = 300;
  for (auto& [text, confidence] : values) {
    out.push_back(word(text, x, y, confidence));
    x = out.back().x1 + 8;
  }
  return out;
}

std::vector<PlacedWord> form_words(double value_confidence) {
  std::vector<PlacedWord> words;
  auto add = [&](std::vector<PlacedWord> line) {
    words.insert(words.end(), line.begin(), line.end());
  };
  add(labelled_line(0, "Dispatch", "Number:", {{"7012345678", 95}}));
  add(labelled_line(40, "Technician",
                    "Name:", {{"Mike", value_confidence}, {"Ross", value_confidence}}));
  add(labelled_line(80, "Call", "Status:", {{"Completed", value_confidence}}));
  add(labelled_line(120, "Labor", "Hours:", {{"1.75", 90}}));
  return words;
}

TEST(OcrVerdict, PrintedValuesAreReadWithTheLowestLabelledConfidence) {
  std::vector<PlacedWord> words = form_words(88);
  words.push_back(word("speck", 0, 400, 12));  // noise: dropped, and not the minimum
  AttachmentReading reading = reading_from_ocr(words, FormDefinition::builtin());
  EXPECT_EQ(reading.read, AttachmentRead::ocr);
  EXPECT_EQ(reading.min_confidence, 88);
  EXPECT_EQ(reading.text.find("speck"), std::string::npos);
  EXPECT_EQ(values_of(reading).at("technician_name"), "Mike Ross");
}

TEST(OcrVerdict, MostlyLowConfidenceValuesAreHandwriting) {
  // Two of three Section 2 values below kTrustedConfidence (the printed dispatch number does
  // not count: CITS prints it).
  AttachmentReading reading = reading_from_ocr(form_words(50), FormDefinition::builtin());
  EXPECT_EQ(reading.read, AttachmentRead::unreadable);
  EXPECT_EQ(reading.reason,
            "handwriting or an unreadable scan; please type Section 2 into the reply");
  // Values OCR barely saw (below the noise floor) count as written but unread.
  EXPECT_EQ(reading_from_ocr(form_words(5), FormDefinition::builtin()).read,
            AttachmentRead::unreadable);
}

TEST(OcrVerdict, NoWordsAtAllIsUnreadable) {
  AttachmentReading reading = reading_from_ocr({word("~", 0, 0, 10)}, FormDefinition::builtin());
  EXPECT_EQ(reading.read, AttachmentRead::unreadable);
  EXPECT_NE(reading.reason.find("please type Section 2"), std::string::npos);
}

}  // namespace
}  // namespace closeout::extract
