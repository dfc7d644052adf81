// SPDX-License-Identifier: GPL-3.0-or-later
// Runs tests/oauth/test_auth_server.py for one test binary and speaks to it over HTTPS with the
// stack's CA. Nothing here prints a token: replies stay in the returned JSON.
#include "oauth_test_server.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace closeout::testing {

namespace {

std::string server_script() {
  return std::string(CLOSEOUT_SOURCE_DIR) + "/tests/oauth/test_auth_server.py";
}

std::map<std::string, std::string> read_env(const std::string& path) {
  std::map<std::string, std::string> env;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    env[line.substr(0, eq)] = value;
  }
  return env;
}

// The first line the child prints, within the deadline; "" when none came.
std::string read_first_line(int fd, std::chrono::milliseconds deadline) {
  std::string line;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (line.find('\n') == std::string::npos) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "";
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[256];
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) return "";
    line.append(buffer, static_cast<std::size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

size_t collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string form_encode(CURL* easy,
                        const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    char* n = curl_easy_escape(easy, name.data(), static_cast<int>(name.size()));
    char* v = curl_easy_escape(easy, value.data(), static_cast<int>(value.size()));
    if (!body.empty()) body += '&';
    body += std::string(n) + "=" + v;
    curl_free(n);
    curl_free(v);
  }
  return body;
}

}  // namespace

bool OAuthTestServer::start(const std::string& stack_dir, std::string* why) {
  auto fail = [&](const std::string& reason) {
    if (why) *why = reason;
    stop();
    return false;
  };
  if (pid_ > 0) {
    if (why) *why = "the test authorization server is already running";
    return false;
  }
  auto env = read_env(stack_dir + "/env");
  ca_file_ = env["MAILSTACK_CA_FILE"];
  issuer_ = env["OAUTH_ISSUER"];
  if (ca_file_.empty() || issuer_.empty() || env["OAUTH_JWT_KEY_FILE"].empty())
    return fail(stack_dir + "/env has no MAILSTACK_CA_FILE / OAUTH_* keys (is the stack running?)");
  // Built before fork: the child of a threaded process may only make async-signal-safe calls.
  const std::string script = server_script();
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail("pipe failed");
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(out[0]);
    ::close(out[1]);
    return fail("fork failed");
  }
  if (pid_ == 0) {
    // The server must not outlive a test binary that crashes.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(out[1], STDOUT_FILENO);
    ::execlp("python3", "python3", script.c_str(), "--stack", stack_dir.c_str(),
             static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line = read_first_line(out[0], std::chrono::seconds(15));
  ::close(out[0]);
  const std::string prefix = "listening ";
  if (line.rfind(prefix, 0) != 0)
    return fail("tests/oauth/test_auth_server.py did not start (see its stderr above)");
  base_url_ = line.substr(prefix.size());
  return true;
}

void OAuthTestServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

OAuthTestServer::~OAuthTestServer() { stop(); }

std::string OAuthTestServer::base_url() const { return base_url_; }
std::string OAuthTestServer::ca_file() const { return ca_file_; }
std::string OAuthTestServer::issuer() const { return issuer_; }

OAuthTestServer::Reply OAuthTestServer::request(const std::string& path, const std::string& body,
                                                const char* content_type,
                                                const std::string& basic_auth) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) throw std::runtime_error("curl_easy_init failed");
  std::string url = base_url_ + path;
  std::string received;
  char error[CURL_ERROR_SIZE] = "";
  curl_slist* headers = nullptr;
  std::string type = std::string("Content-Type: ") + (content_type ? content_type : "");
  headers = curl_slist_append(headers, "Accept: application/json");
  if (content_type) headers = curl_slist_append(headers, type.c_str());
  CURL* e = easy.get();
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_CAINFO, ca_file_.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &received);
  if (!basic_auth.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERPWD, basic_auth.c_str());
  }
  if (content_type) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  CURLcode rc = curl_easy_perform(e);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK)
    throw std::runtime_error("test authorization server " + path + ": " +
                             (*error ? error : curl_easy_strerror(rc)));
  Reply reply;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &reply.status);
  reply.body = nlohmann::json::parse(received, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

nlohmann::json OAuthTestServer::control(const std::string& action, const nlohmann::json& body) {
  std::string text = body.is_null() ? "{}" : body.dump();
  auto reply = request("/control/" + action, text, "application/json");
  if (reply.status != 200) {
    std::string error = reply.body.is_object() ? reply.body.value("error", "") + ": " +
                                                     reply.body.value("error_description", "")
                                               : "no JSON reply";
    throw std::runtime_error("control " + action + " answered " + std::to_string(reply.status) +
                             " " + error);
  }
  return reply.body;
}

nlohmann::json OAuthTestServer::stats() {
  auto reply = request("/control/stats", "", nullptr);
  if (reply.status != 200 || !reply.body.is_object())
    throw std::runtime_error("control stats answered " + std::to_string(reply.status));
  return reply.body;
}

OAuthTestServer::Reply OAuthTestServer::post_form(
    const std::string& path, const std::vector<std::pair<std::string, std::string>>& fields,
    const std::string& basic_auth) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  return request(path, form_encode(easy.get(), fields), "application/x-www-form-urlencoded",
                 basic_auth);
}

nlohmann::json OAuthTestServer::device_sign_in(const std::string& username,
                                               const std::string& scope) {
  auto device = post_form("/device", {{"client_id", kClientId}, {"scope", scope}});
  if (device.status != 200 || !device.body.contains("device_code"))
    throw std::runtime_error("/device answered " + std::to_string(device.status));
  control("approve", {{"user_code", device.body["user_code"]}, {"username", username}});
  // Injected pending / slow_down answers are the test's business: poll through them quickly.
  for (int poll = 0; poll < 50; ++poll) {
    auto token =
        post_form("/token", {{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
                             {"client_id", kClientId},
                             {"device_code", device.body["device_code"]}});
    if (token.status == 200 && token.body.contains("access_token")) return token.body;
    std::string error = token.body.is_object() ? token.body.value("error", "") : "";
    if (error != "authorization_pending" && error != "slow_down")
      throw std::runtime_error("/token (device_code) answered " + std::to_string(token.status) +
                               " " + error);
  }
  throw std::runtime_error("/token (device_code) stayed pending for 50 polls");
}

std::string OAuthTestServer::mint_access_token(const std::string& username,
                                               const nlohmann::json& extra) {
  nlohmann::json body = extra.is_object() ? extra : nlohmann::json::object();
  body["username"] = username;
  return control("mint", body).at("access_token").get<std::string>();
}

long OAuthTestServer::get(const std::string& url, std::string* body, std::string* location) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) throw std::runtime_error("curl_easy_init failed");
  CURL* e = easy.get();
  std::string received;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_CAINFO, ca_file_.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &received);
  if (curl_easy_perform(e) != CURLE_OK) return 0;
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  char* redirect = nullptr;
  if (location) {
    curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &redirect);
    *location = redirect ? redirect : "";
  }
  if (body) *body = received;
  return status;
}

std::string OAuthTestServer::authorize(const std::string& authorization_url) {
  std::string location;
  if (get(authorization_url, nullptr, &location) != 302) return "";
  return location;
}

long OAuthTestServer::browse(const std::string& authorization_url, std::string* page) {
  std::string location = authorize(authorization_url);
  if (location.empty()) return 0;
  return get(location, page, nullptr);
}

std::string OAuthTestServer::oauth_config_toml() const {
  return "[oauth]\n"
         "provider = \"custom\"\n"
         "client_id = " +
         toml_string(kClientId) +
         "\ndevice_authorization_endpoint = " + toml_string(base_url_ + "/device") +
         "\nauthorization_endpoint = " + toml_string(base_url_ + "/authorize") +
         "\ntoken_endpoint = " + toml_string(base_url_ + "/token") +
         "\nca_file = " + toml_string(ca_file_) + "\n";
}

}  // namespace closeout::testing
