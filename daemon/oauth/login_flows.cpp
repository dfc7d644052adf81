// SPDX-License-Identifier: GPL-3.0-or-later
// The interactive sign-ins of `closeoutctl oauth login`. Device flow: RFC 8628 polling with the
// server's interval, +5 s on each slow_down, until approved, denied or expired. Browser flow:
// RFC 7636 PKCE S256 and a state, the redirect taken on a loopback listener (Boost.Beast) that
// answers exactly one sign-in request. Every outcome is a LoginResult; none holds a secret.
#include "login_flows.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <memory>
#include <thread>

#include "pkce.h"
#include "refresh_policy.h"
#include "token_request.h"

namespace closeout::oauth {

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using std::chrono::seconds;
using SteadyClock = std::chrono::steady_clock;

LoginResult outcome(LoginStatus status, std::string message) {
  LoginResult r;
  r.status = status;
  r.message = std::move(message);
  return r;
}

// What an error reply means for the person at the terminal, and for the exit code.
LoginResult from_error(const OAuthError& e) {
  switch (e.code) {
    case OAuthErrorCode::access_denied:
      return outcome(LoginStatus::denied, "the sign-in was declined at the authorization server");
    case OAuthErrorCode::expired_token:
      return outcome(LoginStatus::expired,
                     "the code expired before the sign-in was approved; run closeoutctl oauth "
                     "login again");
    case OAuthErrorCode::server_error:
    case OAuthErrorCode::temporarily_unavailable:
      return outcome(LoginStatus::unreachable, e.plain());
    case OAuthErrorCode::invalid_client:
    case OAuthErrorCode::invalid_scope:
    case OAuthErrorCode::unauthorized_client:
    case OAuthErrorCode::unsupported_grant_type:
    case OAuthErrorCode::malformed_reply:
      return outcome(LoginStatus::config, e.plain());
    default:
      break;
  }
  // Entra ID's missing consent and wrong secret arrive as invalid_grant / invalid_request.
  if (e.aadsts == "AADSTS65001" || e.aadsts == "AADSTS7000215" || e.aadsts == "AADSTS700016" ||
      e.aadsts == "AADSTS90002" || e.aadsts == "AADSTS7000218")
    return outcome(LoginStatus::config, e.plain());
  return outcome(LoginStatus::error, e.plain());
}

LoginResult signed_in(const OAuthEndpoints& endpoints, const TokenGrant& grant) {
  if (!grant.refresh_token)
    return outcome(LoginStatus::config,
                   "the authorization server gave no refresh token, so closeoutd could not renew "
                   "the sign-in (ask for offline access: oauth.scopes)");
  TokenSet base;
  base.provider = endpoints.provider;
  base.scopes = endpoints.scopes;
  const auto now = std::chrono::time_point_cast<seconds>(std::chrono::system_clock::now());
  TokenSet tokens = apply_grant(std::move(base), grant, now);
  // Entra ID sends no id_token without the openid scope, but its access tokens are JWTs naming
  // the user: who signed in matters for a shared mailbox, where it is not imap.username.
  if (tokens.username.empty()) tokens.username = jwt_username(tokens.access_token);
  tokens.last_refresh_at = {};  // a login is not a refresh: status shows "never" until one
  LoginResult r;
  r.status = LoginStatus::ok;
  r.message = tokens.username.empty() ? "signed in" : "signed in as " + tokens.username;
  r.tokens = std::move(tokens);
  r.warning = short_refresh_warning(endpoints.provider, grant);
  return r;
}

// Consecutive network failures or 5xx while polling that are still waited out: a Wi-Fi hiccup
// during a five-minute sign-in should not throw the code away.
constexpr int kPollFailuresTolerated = 3;

}  // namespace

std::string short_refresh_warning(const std::string& provider, const TokenGrant& grant) {
  constexpr seconds kEightDays{8 * 86400};
  if (!grant.refresh_expires_in || *grant.refresh_expires_in >= kEightDays) return "";
  const auto days = (grant.refresh_expires_in->count() + 43200) / 86400;
  std::string line = "the authorization server says this sign-in ends in " +
                     (days <= 1 ? std::string("a day") : std::to_string(days) + " days") +
                     ", and closeoutd cannot renew it past that";
  if (provider == "google")
    line +=
        ": the app's OAuth consent screen is in \"Testing\"; publish it (\"In production\") in "
        "the Google Cloud console and sign in again";
  return line;
}

LoginResult device_login(const OAuthEndpoints& endpoints, const LoginPrompts& prompts,
                         const std::function<void(seconds)>& sleep) {
  if (endpoints.device_authorization.empty())
    return outcome(LoginStatus::config,
                   "provider " + endpoints.provider +
                       " has no device sign-in for these scopes; use closeoutctl oauth login "
                       "--browser (or set oauth.device_authorization_endpoint)");
  auto wait = [&](seconds s) {
    if (sleep)
      sleep(s);
    else
      std::this_thread::sleep_for(s);
  };
  DeviceAuthorization device;
  {
    auto request = device_authorization_request(endpoints);
    HttpReply reply = perform_blocking(*request);
    if (!reply.transport_error.empty())
      return outcome(LoginStatus::unreachable, reply.transport_error);
    auto read = read_device_authorization(reply.status, reply.body);
    if (auto* error = std::get_if<OAuthError>(&read)) return from_error(*error);
    device = std::get<DeviceAuthorization>(std::move(read));
  }
  if (prompts.show_device_code) prompts.show_device_code(device);

  const auto started = SteadyClock::now();
  seconds slept{0};
  seconds interval = device.interval;
  int failures = 0;
  auto elapsed = [&] {
    auto real = std::chrono::duration_cast<seconds>(SteadyClock::now() - started);
    return std::max(real, slept);  // an injected sleep advances time too
  };
  for (;;) {
    wait(interval);
    slept += interval;
    if (elapsed() >= device.expires_in)
      return outcome(LoginStatus::expired,
                     "the code expired before the sign-in was approved; run closeoutctl oauth "
                     "login again");
    auto request = device_token_request(endpoints, device.device_code);
    HttpReply reply = perform_blocking(*request);
    if (!reply.transport_error.empty()) {
      if (++failures > kPollFailuresTolerated)
        return outcome(LoginStatus::unreachable, reply.transport_error);
      continue;
    }
    auto read = read_token_reply(reply.status, reply.body);
    if (auto* grant = std::get_if<TokenGrant>(&read)) return signed_in(endpoints, *grant);
    const auto& error = std::get<OAuthError>(read);
    switch (error.code) {
      case OAuthErrorCode::authorization_pending:
        failures = 0;
        continue;
      case OAuthErrorCode::slow_down:
        failures = 0;
        interval += seconds(5);  // RFC 8628 3.5: for this and all later polls
        continue;
      case OAuthErrorCode::server_error:
      case OAuthErrorCode::temporarily_unavailable:
        if (++failures > kPollFailuresTolerated) return from_error(error);
        continue;
      default:
        return from_error(error);
    }
  }
}

namespace {

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%' && i + 2 < in.size()) {
      auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      int hi = hex(in[i + 1]);
      int lo = hex(in[i + 2]);
      if (hi < 0 || lo < 0) {
        out += c;
        continue;
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

std::map<std::string, std::string> query_of(std::string_view target) {
  std::map<std::string, std::string> q;
  auto mark = target.find('?');
  if (mark == std::string_view::npos) return q;
  std::string_view rest = target.substr(mark + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    auto eq = pair.find('=');
    std::string key = percent_decode(pair.substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    q.emplace(std::move(key), std::move(value));  // the first of a repeated key counts
    if (amp == std::string_view::npos) break;
    rest = rest.substr(amp + 1);
  }
  return q;
}

std::string escaped(const std::string& text) {
  char* e = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

bool same(const std::string& a, const std::string& b) {
  // Constant time: the state is a secret shared with the authorization server.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The loopback redirect listener: accepts connections until one carries the sign-in answer
// (code or error, with a state), answers that one with a short plain page, and stops.
class RedirectListener {
 public:
  RedirectListener(const OAuthEndpoints& endpoints, std::string state, std::string verifier,
                   seconds timeout)
      : endpoints_(endpoints),
        state_(std::move(state)),
        verifier_(std::move(verifier)),
        timeout_(timeout),
        timer_(io_) {}

  asio::io_context& io() { return io_; }
  void add(tcp::acceptor& acceptor) { acceptors_.push_back(&acceptor); }
  void set_redirect_uri(std::string uri) { redirect_uri_ = std::move(uri); }

  LoginResult run() {
    for (auto* acceptor : acceptors_) accept(*acceptor);
    timer_.expires_after(timeout_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec || result_) return;
      result_ = outcome(LoginStatus::expired, "no answer came back from the browser within " +
                                                  std::to_string(timeout_.count()) +
                                                  " s; run closeoutctl oauth login again");
      io_.stop();
    });
    io_.run();
    return result_ ? std::move(*result_) : outcome(LoginStatus::error, "the listener stopped");
  }

 private:
  struct Session {
    explicit Session(asio::io_context& io) : socket(io), deadline(io) {}
    tcp::socket socket;
    asio::steady_timer deadline;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void accept(tcp::acceptor& acceptor) {
    acceptor.async_accept([this, &acceptor](boost::system::error_code ec, tcp::socket socket) {
      if (result_) return;
      if (!ec) serve(std::move(socket));
      accept(acceptor);
    });
  }

  void serve(tcp::socket socket) {
    auto session = std::make_shared<Session>(io_);
    session->socket = std::move(socket);
    // A browser that connects and says nothing (pre-connect) must not hold the sign-in.
    session->deadline.expires_after(std::chrono::seconds(10));
    session->deadline.async_wait([session](boost::system::error_code ec) {
      if (!ec) session->socket.close();
    });
    http::async_read(session->socket, session->buffer, session->request,
                     [this, session](boost::system::error_code ec, std::size_t) {
                       session->deadline.cancel();
                       if (ec || result_) return;
                       handle(session);
                     });
  }

  void answer(const std::shared_ptr<Session>& session, http::status status, const std::string& text,
              bool last) {
    auto& res = session->response;
    res.version(session->request.version());
    res.result(status);
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.set(http::field::connection, "close");
    res.body() = text + "\n";
    res.prepare_payload();
    http::async_write(session->socket, res,
                      [this, session, last](boost::system::error_code, std::size_t) {
                        boost::system::error_code ignored;
                        session->socket.shutdown(tcp::socket::shutdown_both, ignored);
                        session->socket.close(ignored);
                        if (last) {
                          timer_.cancel();
                          for (auto* a : acceptors_) a->close(ignored);
                          io_.stop();
                        }
                      });
  }

  void handle(const std::shared_ptr<Session>& session) {
    const std::string target(session->request.target());
    const std::string path = target.substr(0, target.find('?'));
    auto q = query_of(target);
    const bool sign_in_answer = session->request.method() == http::verb::get && path == "/" &&
                                (q.count("code") || q.count("error"));
    if (!sign_in_answer) {
      answer(session, http::status::not_found, "Not found.", false);
      return;
    }
    if (!same(q["state"], state_)) {
      result_ = outcome(LoginStatus::error,
                        "the browser's answer did not carry this sign-in's state, so it was "
                        "refused (nothing stored); run closeoutctl oauth login again");
      answer(session, http::status::bad_request,
             "closeoutctl: this answer does not belong to the sign-in that was started (the "
             "state differs). Nothing was stored.",
             true);
      return;
    }
    if (q.count("error")) {
      OAuthError e;
      e.error = q["error"];
      e.code = e.error == "access_denied" ? OAuthErrorCode::access_denied : OAuthErrorCode::other;
      std::string description = q["error_description"];
      if (description.size() > 300) description.resize(300);
      for (char& c : description)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
      e.description = description;
      result_ = from_error(e);
      answer(session, http::status::ok,
             "closeoutctl: the sign-in was not completed (" + e.error +
                 "). You can close this window.",
             true);
      return;
    }
    auto request = authorization_code_request(endpoints_, q["code"], redirect_uri_, verifier_);
    HttpReply reply = perform_blocking(*request);
    if (!reply.transport_error.empty()) {
      result_ = outcome(LoginStatus::unreachable, reply.transport_error);
    } else {
      auto read = read_token_reply(reply.status, reply.body);
      if (auto* grant = std::get_if<TokenGrant>(&read))
        result_ = signed_in(endpoints_, *grant);
      else
        result_ = from_error(std::get<OAuthError>(read));
    }
    answer(session, http::status::ok,
           result_->status == LoginStatus::ok
               ? "closeoutctl: signed in. You can close this window and return to the terminal."
               : "closeoutctl: the sign-in failed: " + result_->message,
           true);
  }

  const OAuthEndpoints& endpoints_;
  std::string redirect_uri_;
  std::string state_;
  std::string verifier_;
  seconds timeout_;
  asio::io_context io_;
  asio::steady_timer timer_;
  std::vector<tcp::acceptor*> acceptors_;
  std::optional<LoginResult> result_;
};

}  // namespace

LoginResult browser_login(const OAuthEndpoints& endpoints, const LoginPrompts& prompts,
                          seconds timeout) {
  if (endpoints.authorization.empty())
    return outcome(LoginStatus::config,
                   "no authorization endpoint for the browser sign-in (set "
                   "oauth.authorization_endpoint)");
  const std::string verifier = make_code_verifier();
  const std::string state = make_state();
  // Entra ID's registration is "http://localhost" (any port matches); the others get the
  // literal loopback address, which no hosts file or proxy setting can redirect.
  const bool microsoft = endpoints.provider == "microsoft";

  RedirectListener listener(endpoints, state, verifier, timeout);
  boost::system::error_code ec;
  tcp::acceptor v4(listener.io());
  v4.open(tcp::v4(), ec);
  if (!ec) v4.bind({asio::ip::make_address("127.0.0.1"), 0}, ec);
  if (!ec) v4.listen(8, ec);
  if (ec)
    return outcome(LoginStatus::error,
                   "cannot listen on 127.0.0.1 for the browser's answer: " + ec.message());
  const unsigned short port = v4.local_endpoint().port();
  listener.add(v4);
  // "localhost" may resolve to ::1 first in the browser: listen there too when we can.
  tcp::acceptor v6(listener.io());
  if (microsoft) {
    boost::system::error_code ec6;
    v6.open(tcp::v6(), ec6);
    if (!ec6) v6.set_option(asio::ip::v6_only(true), ec6);
    if (!ec6) v6.bind({asio::ip::make_address("::1"), port}, ec6);
    if (!ec6) v6.listen(8, ec6);
    if (!ec6) listener.add(v6);
  }
  const std::string redirect_uri = std::string("http://") +
                                   (microsoft ? "localhost" : "127.0.0.1") + ":" +
                                   std::to_string(port) + "/";
  listener.set_redirect_uri(redirect_uri);

  std::string scopes;
  for (const auto& s : endpoints.scopes) scopes += (scopes.empty() ? "" : " ") + s;
  std::string url = endpoints.authorization;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "response_type=code&client_id=" + escaped(endpoints.client_id) +
         "&redirect_uri=" + escaped(redirect_uri);
  if (!scopes.empty()) url += "&scope=" + escaped(scopes);
  url += "&state=" + state + "&code_challenge=" + code_challenge_s256(verifier) +
         "&code_challenge_method=S256";
  // Google gives a refresh token only for offline access, and again only with consent shown.
  if (endpoints.provider == "google") url += "&access_type=offline&prompt=consent";
  if (prompts.show_url) prompts.show_url(url);
  return listener.run();
}

}  // namespace closeout::oauth
