// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd's intake with attachments: the Section 2 a technician returns as a PDF is acted on
// like a typed one, the attachment is read before the write transaction (the database stays
// writable meanwhile), a disagreement reaches the dispatch's timeline, and an attachment that
// could not be read is logged once with the dispatch and the Message-ID.
#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

const std::string kPdf = "JVBERi0xLjcKJSBTZWN0aW9uIDIK";  // "%PDF-1.7\n% Section 2\n"

std::string pdf_reply(const std::string& number, const std::string& body,
                      const std::string& filename = "Section2.pdf") {
  return "From: Mike Ross <mike.ross@dealer.test>\r\nTo: dispatch@dealer.test\r\n"
         "Subject: Re: [CITS #" +
         number + "] Service Dispatch\r\nMessage-ID: <pdf." + number +
         "@dealer.test>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
         "Content-Type: text/plain\r\n\r\n" +
         body + "\r\n--b\r\nContent-Type: application/pdf\r\n" +
         "Content-Disposition: attachment; filename=\"" + filename +
         "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + kPdf + "\r\n--b--\r\n";
}

AttachmentReading filled_form() {
  AttachmentReading r;
  r.type = "pdf";
  r.read = AttachmentRead::form_fields;
  r.form_fields = {{"TechnicianName", "Mike Ross"},
                   {"DateOfService", us_date(kServiceDate)},
                   {"ArrivalTime", "9:30 AM"},
                   {"CompletionTime", "11:15 AM"},
                   {"ProblemFound", "Printhead contacts corroded"},
                   {"CorrectiveAction", "Replaced printhead"},
                   {"PartsUsed", "None"},
                   {"Completed", "/Yes"}};
  return r;
}

class IncomingAttachments : public WorkflowTest {
 protected:
  workflow::Disposition deliver_with(const std::string& bytes, AttachmentReader reader) {
    auto w = runtime_->workflow();
    w.read_attachment = std::move(reader);
    workflow::IncomingMessage in{1, ++uid_, bytes.size(), &bytes};
    return workflow::process_message(w, in, kNow, kToday);
  }
  // Whether another process could write to the database right now (no one holds the lock).
  bool database_writable() {
    SQLite::Database other(dir_ + "/closeoutd.db", SQLite::OPEN_READWRITE);
    try {
      other.exec("BEGIN IMMEDIATE");
      other.exec("ROLLBACK");
      return true;
    } catch (const SQLite::Exception&) {
      return false;
    }
  }
};

TEST_F(IncomingAttachments, ASection2InAFilledPdfIsClosedOutAndReadOutsideTheTransaction) {
  deliver_dispatch("7012345678");
  int reads = 0;
  bool writable_while_reading = false;
  auto d = deliver_with(pdf_reply("7012345678", "Section 2 attached."),
                        [&](const BinaryPart& part, std::string_view kind) {
                          ++reads;
                          EXPECT_EQ(part.filename, "Section2.pdf");
                          EXPECT_EQ(kind, "pdf");
                          writable_while_reading = database_writable();
                          return filled_form();
                        });
  EXPECT_EQ(reads, 1);
  EXPECT_TRUE(writable_while_reading) << "the reader ran while the write lock was held";
  EXPECT_EQ(d.action, "Section 2 complete; close-out queued");
  EXPECT_EQ(dispatch("7012345678").state, "closing");
  ASSERT_EQ(outbox("closeout").size(), 1U);
  EXPECT_NE(outbox("closeout")[0].content.find("Mike Ross"), std::string::npos);

  // The same message again is recognised before anything is read.
  auto w = runtime_->workflow();
  w.read_attachment = [&](const BinaryPart&, std::string_view) {
    ++reads;
    return filled_form();
  };
  std::string again = pdf_reply("7012345678", "Section 2 attached.");
  workflow::IncomingMessage in{1, uid_, again.size(), &again};
  EXPECT_TRUE(workflow::process_message(w, in, kNow, kToday).already_recorded);
  EXPECT_EQ(reads, 1);
}

TEST_F(IncomingAttachments, WhenTheMailAndThePdfDisagreeTheTimelineSaysSo) {
  deliver_dispatch("7012345678");
  auto d = deliver_with(pdf_reply("7012345678", "Arrival Time: 10:00 AM"),
                        [](const BinaryPart&, std::string_view) { return filled_form(); });
  EXPECT_EQ(d.action, "Section 2 complete; close-out queued");
  auto timeline = store::DispatchStore(runtime_->db()).timeline("7012345678");
  ASSERT_FALSE(timeline.empty());
  EXPECT_NE(timeline.back().detail.find("arrival_time mismatch"), std::string::npos)
      << timeline.back().event << ": " << timeline.back().detail;
  EXPECT_NE(outbox("closeout")[0].content.find("10:00"), std::string::npos) << "the mail wins";
}

TEST_F(IncomingAttachments, AnUnreadableAttachmentIsLoggedOnceWithDispatchAndMessageId) {
  deliver_dispatch("7012345678");
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>(
      "test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log));
  spdlog::set_default_logger(logger);
  auto d = deliver_with(pdf_reply("7012345678", "Technician Name: Mike Ross", "locked.pdf"),
                        [](const BinaryPart& part, std::string_view kind) {
                          AttachmentReading r;
                          r.filename = part.filename;
                          r.type = std::string(kind);
                          r.read = AttachmentRead::unreadable;
                          r.reason = "the PDF needs a password";
                          r.limits_tripped = {"max_pdf_pages"};
                          return r;
                        });
  spdlog::set_default_logger(previous);
  EXPECT_EQ(d.action, "Section 2 incomplete; problems reply queued");
  auto replies = outbox("problems");
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_NE(replies[0].content.find("Attachment: closeoutd could not read locked.pdf"),
            std::string::npos)
      << replies[0].content;
  const std::string text = log.str();
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("dispatch 7012345678 message <pdf.7012345678@dealer.test>: attachment "
                  "locked.pdf (pdf) is unreadable: the PDF needs a password"),
            1U)
      << text;
  EXPECT_EQ(count("tripped limits.max_pdf_pages"), 1U) << text;
}

}  // namespace
}  // namespace closeout::testing
