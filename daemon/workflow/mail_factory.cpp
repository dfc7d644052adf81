// SPDX-License-Identifier: GPL-3.0-or-later
#include "mail_factory.h"

#include <cstdio>
#include <ctime>

#include "dispatch_tag.h"
#include "mail_compose.h"
#include "phase_counters.h"

namespace closeout::workflow {

std::string rfc5322_date(store::Timestamp at) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = at;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  // The buffer holds the longest date there is; snprintf cannot truncate it.
  (void)std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000",
                      kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                      tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

namespace {

// Values from incoming mail reach the words we send; none may make a mail unreasonably long.
constexpr std::size_t kMaxValueBytes = 2000;

void bound_values(nlohmann::json& j) {
  if (j.is_string()) {
    auto& text = j.get_ref<std::string&>();
    if (text.size() <= kMaxValueBytes) return;
    std::size_t cut = kMaxValueBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text.resize(cut);
    text += " [...]";
  } else if (j.is_structured()) {
    for (auto& item : j) bound_values(item);
  }
}

}  // namespace

MailFactory::MailFactory(const Config& config, const MailTemplates& templates)
    : config_(&config), templates_(&templates) {}

std::string MailFactory::new_message_id(store::Timestamp now) {
  auto from = parse_mail_address(config_->smtp.from);
  std::string domain = "closeoutd.invalid";
  if (from) domain = from->address.substr(from->address.find('@') + 1);
  char buffer[64];
  (void)std::snprintf(buffer, sizeof buffer, "%lld.%016llx", static_cast<long long>(now),
                      static_cast<unsigned long long>(random_()));
  return std::string("<closeoutd.") + buffer + "@" + domain + ">";
}

store::OutboxEntry MailFactory::make(std::string_view kind, std::string_view template_name,
                                     const std::string& dispatch_number, nlohmann::json context,
                                     const Addressing& addressing, store::Timestamp now,
                                     std::string caused_by,
                                     std::vector<MailAttachment> attachments) {
  phases::Timer timer(phases::compose);
  bound_values(context);
  context["dealer_name"] = config_->dealer.name;
  context["dispatch_number"] = dispatch_number;
  context["tag"] = dispatch_number.empty() ? "" : make_dispatch_tag(dispatch_number);
  context["closeout_address"] = config_->cits.closeout_address;
  RenderedMail rendered = templates_->render(template_name, context);

  auto from = parse_mail_address(config_->smtp.from);
  if (!from) throw ComposeError("smtp.from is not a mail address");
  OutgoingMail mail;
  mail.from = *from;
  if (mail.from.name.empty()) mail.from.name = config_->dealer.name;
  for (const auto& to : addressing.to) mail.to.push_back({"", to});
  mail.subject = rendered.subject;
  mail.date = rfc5322_date(now);
  mail.message_id = new_message_id(now);
  mail.in_reply_to = addressing.in_reply_to;
  mail.references = addressing.references;
  mail.extra_headers = {
      {"Auto-Submitted", addressing.automatic_answer ? "auto-replied" : "auto-generated"},
      // Exchange and Outlook honour this instead of RFC 3834: no out-of-office back to us.
      {"X-Auto-Response-Suppress", "All"},
  };
  mail.body = rendered.body;
  mail.attachments = std::move(attachments);

  store::OutboxEntry entry;
  entry.kind = kind;
  entry.dispatch_number = dispatch_number;
  entry.message_id = mail.message_id;
  entry.envelope_from = addressing.automatic_answer ? "" : from->address;
  entry.recipients = addressing.to;
  entry.subject = mail.subject;
  entry.content = compose_mail(mail);
  entry.next_attempt_at = now;
  entry.created_at = now;
  entry.caused_by = std::move(caused_by);
  return entry;
}

}  // namespace closeout::workflow
