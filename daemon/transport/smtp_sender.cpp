// SPDX-License-Identifier: GPL-3.0-or-later
#include "smtp_sender.h"

#include <algorithm>
#include <cstring>

#include "crash_points.h"
#include "mail_compose.h"
#include "text_util.h"

namespace closeout::transport {

namespace asio = boost::asio;

namespace {

// "250-8BITMIME" → "8BITMIME"
std::vector<std::string> ehlo_keywords(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  // The first line of an EHLO answer is the server's name, not an extension.
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.size() < 5 || !line.starts_with("250") || (line[3] != '-' && line[3] != ' ')) continue;
    line.remove_prefix(4);
    out.push_back(to_upper_ascii(line.substr(0, line.find(' '))));
  }
  return out;
}

// The command a line we send starts, if it is one we know; otherwise (an AUTH continuation, a
// secret) the command still being answered.
std::string smtp_verb(std::string_view line, const std::string& previous) {
  auto verb = to_upper_ascii(line.substr(0, std::min(line.find_first_of(" \r\n"), line.size())));
  for (std::string_view known :
       {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT"})
    if (verb == known) return verb;
  return previous;
}

// Whether a 5xx refuses this one message or the server refuses us whatever we send. Only RCPT TO
// and DATA (the command or the end of the data) are about the message. A refused greeting, EHLO,
// STARTTLS or AUTH, or our own sender refused at MAIL FROM, would refuse every message the same
// way: marking the backlog failed one by one would fail every dispatch for a server-wide fault.
// The null reverse-path <> is the exception: a server that refuses it refuses only our automatic
// answers, and as a connection failure those (oldest first) would hold back every close-out
// behind them at every flush; each is failed on its own and reported instead.
std::optional<Failure> server_wide_refusal(int code, std::string_view command, bool null_sender) {
  if (code < 500 || code >= 600) return std::nullopt;
  if (command == "RCPT" || command == "DATA") return std::nullopt;
  // 530 "authentication required" may come at MAIL FROM too: our credentials, for every mail.
  if (command == "AUTH" || code == 530 || code == 535) return Failure::auth;
  if (command == "MAIL") {
    if (null_sender) return std::nullopt;
    return Failure::config;  // smtp.from is refused: an admin must fix the sender address
  }
  if (command == "STARTTLS") return Failure::tls;
  return Failure::unreachable;  // a 554 greeting, 5xx to EHLO: this server will not take mail
}

}  // namespace

std::string_view send_status_name(SendStatus status) noexcept {
  switch (status) {
    case SendStatus::accepted:
      return "accepted";
    case SendStatus::transient:
      return "transient";
    case SendStatus::permanent:
      return "permanent";
  }
  return "unknown";
}

SmtpSender::SmtpSender(asio::io_context& io, ServerSettings settings)
    : settings_(std::move(settings)), multi_(io) {}

SmtpSender::~SmtpSender() {
  if (easy_) {
    multi_.release(easy_);
    curl_easy_cleanup(easy_);
  }
}

int SmtpSender::on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* self) {
  auto* sender = static_cast<SmtpSender*>(self);
  if (type == CURLINFO_HEADER_OUT) {
    // Of our own lines only the verb, and only a known one: the others carry AUTH's credentials.
    sender->last_command_ = smtp_verb(std::string_view(data, size), sender->last_command_);
    return 0;
  }
  if (type != CURLINFO_HEADER_IN) return 0;
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (sender->server_lines_.size() < 200) {
    sender->server_lines_.push_back(std::move(line));
    sender->answered_.push_back(sender->last_command_);
  }
  return 0;
}

std::size_t SmtpSender::on_read(char* buffer, std::size_t size, std::size_t count, void* self) {
  auto* sender = static_cast<SmtpSender*>(self);
  std::size_t n = std::min(size * count, sender->upload_.size());
  std::memcpy(buffer, sender->upload_.data(), n);
  sender->upload_.remove_prefix(n);
  return n;
}

void SmtpSender::set_bearer(std::string token, std::string token_user) {
  settings_.secret = std::move(token);
  settings_.token_user = std::move(token_user);
}

std::string SmtpSender::refusal_words() const {
  for (std::size_t i = server_lines_.size(); i-- > 0;) {
    const auto& line = server_lines_[i];
    if (line.size() < 3 || (line[0] != '4' && line[0] != '5')) continue;
    auto explained = explain_refusal(line);
    return "the server said \"" + line + "\"" + (explained.empty() ? "" : ": " + explained);
  }
  return "";
}

CURL* SmtpSender::fresh_handle() {
  if (!easy_) {
    easy_ = curl_easy_init();
    if (!easy_) throw TransportError(Failure::config, "libcurl could not start a session");
  } else {
    multi_.release(easy_);
  }
  apply_server_settings(easy_, settings_, error_buffer_);
  curl_easy_setopt(easy_, CURLOPT_VERBOSE, 1L);  // feeds on_debug only; nothing is printed
  curl_easy_setopt(easy_, CURLOPT_DEBUGFUNCTION, &SmtpSender::on_debug);
  curl_easy_setopt(easy_, CURLOPT_DEBUGDATA, this);
  curl_easy_setopt(
      easy_, CURLOPT_TIMEOUT_MS,
      static_cast<long>((settings_.connect_timeout + settings_.response_timeout * 4).count()));
  error_buffer_[0] = '\0';
  server_lines_.clear();
  answered_.clear();
  last_command_.clear();  // nothing sent yet: a reply now is the greeting
  return easy_;
}

asio::awaitable<SmtpLogin> SmtpSender::check() {
  CURL* easy = fresh_handle();
  curl_easy_setopt(easy, CURLOPT_CONNECT_ONLY, 1L);
  CURLcode rc = co_await multi_.perform(easy);
  if (rc != CURLE_OK) {
    auto error = error_from_curl(rc, error_buffer_, settings_);
    auto said = refusal_words();
    if (rc != CURLE_LOGIN_DENIED || said.empty()) throw error;
    throw TransportError(error.kind(), std::string(error.what()) + "; " + said);
  }
  SmtpLogin login;
  // The last EHLO answer is the one after STARTTLS.
  auto last_ehlo = std::find_if(server_lines_.rbegin(), server_lines_.rend(), [](const auto& l) {
    return l.starts_with("250-") || l.starts_with("250 ");
  });
  std::vector<std::string> lines;
  for (auto it = last_ehlo; it != server_lines_.rend() && it->starts_with("250"); ++it)
    lines.insert(lines.begin(), *it);
  login.extensions = ehlo_keywords(lines);
  multi_.release(easy_);
  curl_easy_cleanup(easy_);
  easy_ = nullptr;
  co_return login;
}

asio::awaitable<SendResult> SmtpSender::send(const Envelope& envelope, std::string_view message) {
  SendResult result;
  // An empty sender is the null reverse-path <> of RFC 3834 automatic answers.
  if (!envelope.from.empty() && !is_envelope_safe(envelope.from)) {
    result.status = SendStatus::permanent;
    result.reply = "refused before sending: unsafe sender address";
    co_return result;
  }
  if (envelope.to.empty()) {
    result.status = SendStatus::permanent;
    result.reply = "refused before sending: no recipient";
    co_return result;
  }
  curl_slist* recipients = nullptr;
  for (const auto& to : envelope.to) {
    if (!is_envelope_safe(to)) {
      curl_slist_free_all(recipients);
      result.status = SendStatus::permanent;
      result.reply = "refused before sending: unsafe recipient address";
      co_return result;
    }
    recipients = curl_slist_append(recipients, to.c_str());
  }
  if (!easy_ && !(easy_ = curl_easy_init())) {  // what fresh_handle would throw for
    curl_slist_free_all(recipients);
    result.failure = Failure::config;
    result.reply = "libcurl could not start a session";
    co_return result;
  }
  CURL* easy = fresh_handle();
  upload_ = message;
  curl_easy_setopt(easy, CURLOPT_MAIL_FROM, envelope.from.c_str());
  curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, &SmtpSender::on_read);
  curl_easy_setopt(easy, CURLOPT_READDATA, this);
  curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  CURLcode rc = co_await multi_.perform(easy);
  curl_slist_free_all(recipients);
  curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, nullptr);
  long code = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
  result.code = static_cast<int>(code);
  long connects = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  result.new_connection = connects > 0;
  // libcurl says QUIT after a refusal: the reply that matters is the last one with the code.
  std::string last_reply = server_lines_.empty() ? "" : server_lines_.back();
  std::string answered = answered_.empty() ? "" : answered_.back();
  if (code > 0) {
    auto prefix = std::to_string(code);
    for (std::size_t i = server_lines_.size(); i-- > 0;)
      if (server_lines_[i].starts_with(prefix)) {
        last_reply = server_lines_[i];
        answered = answered_[i];
        break;
      }
  }
  // A refused password keeps libcurl's own, clearer account of it (below).
  auto server_wide =
      rc == CURLE_OK || rc == CURLE_LOGIN_DENIED
          ? std::nullopt
          : server_wide_refusal(static_cast<int>(code), answered, envelope.from.empty());
  if (rc == CURLE_OK) {
    result.status = SendStatus::accepted;
    result.reply = last_reply;
  } else if (server_wide) {
    // Not a verdict on this message: the flush stops and everything stays due.
    result.failure = server_wide;
    result.status = SendStatus::transient;
    result.reply = "the server refuses to take mail" +
                   std::string(answered.empty() ? "" : " (at " + answered + ")") + ": " +
                   (last_reply.empty() ? std::string(error_buffer_) : last_reply);
    if (auto explained = explain_refusal(last_reply); !explained.empty())
      result.reply += ": " + explained;
    // Signed in, but not allowed to send as our own address: the token's user is not the
    // mailbox's (Microsoft: 5.2.252 SendAsDenied, 5.7.60). A new sign-in fixes it, not an edit.
    if (settings_.oauth2 && answered == "MAIL" && !envelope.from.empty()) {
      result.failure = Failure::signin;
      result.reply += "; " + settings_.token_mismatch_hint() +
                      " (the signed-in user needs Send As on it, or sign in as it)";
    }
  } else if (code >= 400 && code < 600 && rc != CURLE_LOGIN_DENIED) {
    result.status = code >= 500 ? SendStatus::permanent : SendStatus::transient;
    result.reply = last_reply.empty() ? error_buffer_ : last_reply;
  } else {
    auto error = error_from_curl(rc, error_buffer_, settings_);
    result.failure = error.kind();
    result.status = SendStatus::transient;
    result.reply = error.what();
    if (rc == CURLE_LOGIN_DENIED)
      if (auto said = refusal_words(); !said.empty()) result.reply += "; " + said;
  }
  crash_points::smtp_replied(send_status_name(result.status), result.code, message);  // test only
  co_return result;
}

}  // namespace closeout::transport
