// SPDX-License-Identifier: GPL-3.0-or-later
#include "closeout_mail.h"

#include <spdlog/spdlog.h>

#include "closeout_form.h"
#include "mail_compose.h"
#include "outbox_store.h"

namespace closeout::workflow {

namespace {

// closeout.attach_form: the form as a PDF, or nothing; never a reason not to close out.
std::vector<MailAttachment> form_attachment(Workflow& w, const store::DispatchRecord& d,
                                            const nlohmann::json& section2,
                                            const std::string& caused_by, store::Timestamp now) {
  if (!w.config.closeout.attach_form) return {};
  auto form =
      make_closeout_form(w.db, w.config, w.form, d, section2, closeout_form_settings(w.config));
  std::string trouble;
  if (!form.attachment)
    trouble = "close-out sent without the form PDF: " + form.error;
  else if (!form.fill_error.empty())
    trouble = "the dispatch's own PDF form could not be filled (" + form.fill_error +
              "); a rendered form is attached";
  if (!trouble.empty()) {
    spdlog::warn("dispatch {} message {}: {}", d.number, caused_by.empty() ? "-" : caused_by,
                 trouble);
    store::DispatchStore(w.db).note(d.number, "close-out form", caused_by, trouble, now);
  }
  if (!form.attachment) return {};
  return {std::move(*form.attachment)};
}

}  // namespace

std::int64_t queue_closeout_mail(Workflow& w, const store::DispatchRecord& d,
                                 const nlohmann::json& section2, store::Timestamp now,
                                 std::string caused_by) {
  nlohmann::json context = {{"section1", nlohmann::json::parse(d.section1_json)},
                            {"section2", section2},
                            {"model", d.model},
                            {"serial_number", d.serial_number}};
  Addressing to;
  auto address = parse_mail_address(w.config.cits.closeout_address);
  if (!address) throw ComposeError("cits.closeout_address is not a mail address");
  to.to = {address->address};
  auto attachments = form_attachment(w, d, section2, caused_by, now);
  return store::OutboxStore(w.db).enqueue(
      w.mail.make(store::mail_kind::closeout, "closeout", d.number, std::move(context), to, now,
                  std::move(caused_by), std::move(attachments)));
}

}  // namespace closeout::workflow
