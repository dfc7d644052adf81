// The rules a loaded configuration must meet before closeoutd touches mail. parse_config checks
// types and syntax; this checks meaning, because a config that cannot send a close-out must stop
// the daemon, not quarantine the dispatches it cannot answer.
#include "config_check.h"

#include "imap_syntax.h"
#include "mail_compose.h"

namespace closeout {

namespace {

[[noreturn]] void refuse(const Config& c, const std::string& key, const std::string& what) {
  throw ConfigError(c.source + ": " + key + ": " + what);
}

void one_address(const Config& c, const std::string& key, const std::string& value) {
  if (value.empty()) refuse(c, key, "is empty; closeoutd cannot send mail without it");
  auto parsed = parse_mail_address(value);
  if (!parsed || !is_envelope_safe(parsed->address))
    refuse(c, key,
           "\"" + value + "\" is not an address like \"Acme Service <service@dealer.example>\"");
}

// dealer.notify and dealer.admins are recipients: a pattern there would silently reach no one.
void address_list(const Config& c, const std::string& key, const std::vector<std::string>& list) {
  for (const auto& entry : list) {
    if (entry.find_first_of("*?") != std::string::npos)
      refuse(c, key, "\"" + entry + "\" is a pattern; this list needs real addresses");
    one_address(c, key, entry);
  }
}

// cits.senders and dealer.technicians are glob patterns; an empty one would match nothing.
void pattern_list(const Config& c, const std::string& key, const std::vector<std::string>& list) {
  for (const auto& entry : list) {
    if (entry.find_first_not_of(" \t") == std::string::npos)
      refuse(c, key, "has an empty entry; write a pattern such as \"*@dealer.example\"");
  }
}

void folder(const Config& c, const std::string& key, const std::string& name) {
  if (!imap::mailbox_argument(name)) refuse(c, key, "\"" + name + "\" cannot be a folder name");
  std::string upper;
  for (char ch : name) upper += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
  if (upper == "INBOX") refuse(c, key, "cannot be INBOX: mail moved there would be read again");
}

}  // namespace

void check_config_usable(const Config& c) {
  one_address(c, "smtp.from", c.smtp.from);
  one_address(c, "cits.closeout_address", c.cits.closeout_address);
  address_list(c, "dealer.notify", c.dealer.notify);
  address_list(c, "dealer.admins", c.dealer.admins);
  pattern_list(c, "cits.senders", c.cits.senders);
  pattern_list(c, "dealer.technicians", c.dealer.technicians);
  if (c.cits.senders.empty())
    refuse(c, "cits.senders", "is empty; no dispatch would be recognised");
  folder(c, "imap.processed_folder", c.imap.processed_folder);
  folder(c, "imap.quarantine_folder", c.imap.quarantine_folder);
  if (c.imap.processed_folder == c.imap.quarantine_folder)
    refuse(c, "imap.quarantine_folder", "must differ from imap.processed_folder");
  if (c.store.path.empty()) refuse(c, "store.path", "is empty");
}

}  // namespace closeout
