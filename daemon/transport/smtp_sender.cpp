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
  // Only what the server said is kept: our own lines carry AUTH with the credentials.
  if (type != CURLINFO_HEADER_IN) return 0;
  auto* sender = static_cast<SmtpSender*>(self);
  std::string line(data, size);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  if (sender->server_lines_.size() < 200) sender->server_lines_.push_back(std::move(line));
  return 0;
}

std::size_t SmtpSender::on_read(char* buffer, std::size_t size, std::size_t count, void* self) {
  auto* sender = static_cast<SmtpSender*>(self);
  std::size_t n = std::min(size * count, sender->upload_.size());
  std::memcpy(buffer, sender->upload_.data(), n);
  sender->upload_.remove_prefix(n);
  return n;
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
  return easy_;
}

asio::awaitable<SmtpLogin> SmtpSender::check() {
  CURL* easy = fresh_handle();
  curl_easy_setopt(easy, CURLOPT_CONNECT_ONLY, 1L);
  CURLcode rc = co_await multi_.perform(easy);
  if (rc != CURLE_OK) throw error_from_curl(rc, error_buffer_, settings_);
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
  if (code > 0) {
    auto prefix = std::to_string(code);
    for (auto it = server_lines_.rbegin(); it != server_lines_.rend(); ++it)
      if (it->starts_with(prefix)) {
        last_reply = *it;
        break;
      }
  }
  if (rc == CURLE_OK) {
    result.status = SendStatus::accepted;
    result.reply = last_reply;
  } else if (code >= 400 && code < 600 && rc != CURLE_LOGIN_DENIED) {
    result.status = code >= 500 ? SendStatus::permanent : SendStatus::transient;
    result.reply = last_reply.empty() ? error_buffer_ : last_reply;
  } else {
    auto error = error_from_curl(rc, error_buffer_, settings_);
    result.failure = error.kind();
    result.status = SendStatus::transient;
    result.reply = error.what();
  }
  crash_points::smtp_replied(send_status_name(result.status), result.code, message);  // test only
  co_return result;
}

}  // namespace closeout::transport
