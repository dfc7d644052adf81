#include "closeout_mail.h"

#include "mail_compose.h"
#include "outbox_store.h"

namespace closeout::workflow {

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
  return store::OutboxStore(w.db).enqueue(w.mail.make(store::mail_kind::closeout, "closeout",
                                                      d.number, std::move(context), to, now,
                                                      std::move(caused_by)));
}

}  // namespace closeout::workflow
