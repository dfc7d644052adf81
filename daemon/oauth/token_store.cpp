// SPDX-License-Identifier: GPL-3.0-or-later
// The token store file: JSON, mode 0600, written to a temporary file beside it, fsynced and
// renamed over the old one (then the directory fsynced), so a crash at any point leaves the old
// or the new set. Every error names the path and what to do, never a byte of the content.
#include "token_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "crash_points.h"

namespace closeout::oauth {

namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

constexpr int kFormat = 1;
constexpr std::size_t kMaxStoreBytes = 1 << 20;

std::string mode_text(mode_t mode) {
  char text[8];
  (void)std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string errno_text(int error) { return std::strerror(error); }

// "2026-12-01T12:00:00Z"; "" for a time that was never set.
std::string utc_text(Clock::time_point t) {
  if (t == Clock::time_point{}) return "";
  const std::time_t seconds = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  (void)std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::optional<Clock::time_point> parse_utc(const std::string& text) {
  if (text.empty()) return Clock::time_point{};
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end != '\0') return std::nullopt;
  return Clock::from_time_t(timegm(&tm));
}

json time_or_null(Clock::time_point t) {
  std::string text = utc_text(t);
  return text.empty() ? json(nullptr) : json(text);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

TokenSet from_json(const json& j, const std::string& path) {
  auto bad = [&](const std::string& what) {
    return TokenStoreError(path + ": not a token store closeoutctl wrote (" + what +
                           "); run closeoutctl oauth login to write a new one");
  };
  if (!j.is_object()) throw bad("not a JSON object");
  auto text = [&](const char* key) -> std::string {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "";
    if (!it->is_string()) throw bad(std::string(key) + " is not a string");
    return it->get<std::string>();
  };
  auto when = [&](const char* key) {
    auto t = parse_utc(text(key));
    if (!t) throw bad(std::string(key) + " is not a time like 2026-12-01T12:00:00Z");
    return *t;
  };
  TokenSet t;
  t.provider = text("provider");
  t.username = text("username");
  if (auto it = j.find("scopes"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) throw bad("scopes is not a list");
    for (const auto& s : *it) {
      if (!s.is_string()) throw bad("scopes is not a list of strings");
      t.scopes.push_back(s.get<std::string>());
    }
  }
  t.access_token = text("access_token");
  t.refresh_token = text("refresh_token");
  t.access_obtained_at = when("access_obtained_at");
  t.access_expires_at = when("access_expires_at");
  t.refresh_obtained_at = when("refresh_obtained_at");
  t.last_refresh_at = when("last_refresh_at");
  t.last_error = text("last_error");
  if (auto it = j.find("needs_login"); it != j.end()) {
    if (!it->is_boolean()) throw bad("needs_login is not true or false");
    t.needs_login = it->get<bool>();
  }
  if (t.refresh_token.empty() && t.access_token.empty()) throw bad("it holds no token");
  return t;
}

json to_json(const TokenSet& t) {
  return json{{"format", kFormat},
              {"provider", t.provider},
              {"username", t.username},
              {"scopes", t.scopes},
              {"access_token", t.access_token},
              {"refresh_token", t.refresh_token},
              {"access_obtained_at", utc_text(t.access_obtained_at)},
              {"access_expires_at", utc_text(t.access_expires_at)},
              {"refresh_obtained_at", utc_text(t.refresh_obtained_at)},
              {"last_refresh_at", utc_text(t.last_refresh_at)},
              {"last_error", t.last_error},
              {"needs_login", t.needs_login}};
}

std::string directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

void fsync_directory(const std::string& path) {
  const std::string dir = directory_of(path);
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0)
    throw TokenStoreError(dir + ": cannot sync the token store's directory: " + errno_text(errno));
}

// closeoutctl run as root for a service that runs as its own user: the new file belongs to
// whoever owned the old one (or the directory), so closeoutd can still read it.
void keep_owner(int fd, const std::string& path) {
  if (::geteuid() != 0) return;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && ::stat(directory_of(path).c_str(), &st) != 0) return;
  if (st.st_uid == 0 && st.st_gid == 0) return;
  if (::fchown(fd, st.st_uid, st.st_gid) != 0)
    throw TokenStoreError(path +
                          ": cannot give the token store to its owner: " + errno_text(errno));
}

}  // namespace

std::string token_store_path(const Config& config) {
  if (!config.oauth.token_store.empty()) return config.oauth.token_store;
  std::filesystem::path db(config.store.path);
  return (db.parent_path() / "oauth-tokens.json").string();
}

std::optional<TokenSet> load_token_store(const std::string& path) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw TokenStoreError(path + ": cannot read the token store: " + errno_text(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    throw TokenStoreError(path + ": cannot read the token store: " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw TokenStoreError(path + ": the token store is not a file");
  if (st.st_mode & 077)
    throw TokenStoreError(path + ": mode " + mode_text(st.st_mode) + ", must be 0600 (chmod 600 " +
                          path + ")");
  if (static_cast<std::size_t>(st.st_size) > kMaxStoreBytes)
    throw TokenStoreError(path + ": not a token store closeoutctl wrote (larger than 1 MB)");
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw TokenStoreError(path + ": cannot read the token store: " + errno_text(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  // The parser's own message quotes the bytes it choked on: they may be a token.
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    throw TokenStoreError(path +
                          ": not a token store closeoutctl wrote (not JSON); run closeoutctl "
                          "oauth login to write a new one");
  return from_json(j, path);
}

namespace {

// A crash between mkstemp and rename leaves a temporary file holding a refresh token. An hour
// is far beyond any write in progress by another process, so older ones are only leftovers.
void remove_stale_temporaries(const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path store(path);
  const std::string prefix = store.filename().string() + ".tmp.";
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(1);
  for (const auto& entry :
       fs::directory_iterator(store.parent_path().empty() ? "." : store.parent_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    auto written = entry.last_write_time(ec);
    if (!ec && written < cutoff) fs::remove(entry.path(), ec);
  }
}

}  // namespace

void save_token_store(const std::string& path, const TokenSet& tokens) {
  const std::string text = to_json(tokens).dump(2) + "\n";
  std::string tmp = path + ".tmp.XXXXXX";
  // mkstemp: mode 0600 from the start, and a name of its own, so closeoutctl and closeoutd
  // writing at once never write into the same temporary file.
  FileDescriptor fd(::mkstemp(tmp.data()));
  if (fd.get() < 0)
    throw TokenStoreError(path + ": cannot write the token store: " + errno_text(errno));
  auto fail = [&](const std::string& what) {
    int error = errno;
    ::unlink(tmp.c_str());
    return TokenStoreError(path + ": cannot write the token store: " + what +
                           (error ? ": " + errno_text(error) : ""));
  };
  ::fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
  if (::fchmod(fd.get(), 0600) != 0) throw fail("chmod");
  try {
    keep_owner(fd.get(), path);
  } catch (const TokenStoreError&) {
    ::unlink(tmp.c_str());
    throw;
  }
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw fail("write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) throw fail("fsync");
  if (::close(fd.release()) != 0) throw fail("close");
  // The crash test kills the process here (old set in place) and after the rename (new set).
  if (crash_points::enabled()) crash_points::step("token-store", "written");
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw fail("rename");
  if (crash_points::enabled()) crash_points::step("token-store", "renamed");
  fsync_directory(path);
  remove_stale_temporaries(path);
}

bool remove_token_store(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return false;
    throw TokenStoreError(path + ": cannot remove the token store: " + errno_text(errno));
  }
  fsync_directory(path);
  return true;
}

nlohmann::json token_status_json(const TokenSet& t) {
  return json{{"provider", t.provider},
              {"username", t.username},
              {"scopes", t.scopes},
              {"access_expires_at", time_or_null(t.access_expires_at)},
              {"refresh_obtained_at", time_or_null(t.refresh_obtained_at)},
              {"last_refresh_at", time_or_null(t.last_refresh_at)},
              {"last_error", t.last_error},
              {"needs_login", t.needs_login}};
}

}  // namespace closeout::oauth
