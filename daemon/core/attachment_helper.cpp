// SPDX-License-Identifier: GPL-3.0-or-later
// The parent side of closeout-extract: one child per attachment, its rlimits set between fork and
// exec, fed and drained with poll() so neither side can block the other, killed with its process
// group at a wall-clock deadline and always reaped. Nothing here is fatal: whatever the child
// does, and a child that cannot be started, becomes an "unreadable" reading with the reason.
//
// Thread-safety: it blocks the calling thread for as long as the helper runs. closeoutd is one
// Asio thread reading one attachment at a time, so that is by design; keep_alive lets the loop's
// watchdog ping go on. Between fork and exec the child calls only async-signal-safe functions.
#include "attachment_helper.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "extract_exit.h"

// closeout-extract under AddressSanitizer reserves terabytes of shadow memory at start-up, so in
// a sanitizer build the address space limit would stop every helper before main: not set there.
#if defined(__SANITIZE_ADDRESS__)
#define CLOSEOUT_HELPER_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CLOSEOUT_HELPER_UNDER_ASAN 1
#endif
#endif

#ifndef CLOSEOUT_LIBEXECDIR
#define CLOSEOUT_LIBEXECDIR "/usr/libexec/closeoutd"
#endif

namespace closeout {
namespace {

using Clock = std::chrono::steady_clock;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    reset();
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// The child's one word to the parent before exec: which step failed, with its errno. The pipe is
// close-on-exec, so a successful exec reads as end of file.
enum class ChildStep : int { fds = 1, limits = 2, exec = 3 };
struct ChildFailure {
  ChildStep step;
  int error;
};

// Everything the child needs, prepared before fork: after it, no allocation.
struct ChildPlan {
  const char* program;
  std::vector<char*> argv;
  std::vector<char*> envp;
  int stdin_fd, stdout_fd, stderr_fd, report_fd;
  std::vector<std::pair<int, rlimit>> limits;
};

[[noreturn]] void child_fails(int report_fd, ChildStep step, int error) {
  ChildFailure failure{step, error};
  ssize_t ignored = ::write(report_fd, &failure, sizeof failure);
  (void)ignored;
  ::_exit(127);
}

void close_from(int first) {
  if (::close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  long most = ::sysconf(_SC_OPEN_MAX);  // kernels before 5.9
  for (long fd = first; fd < (most > 0 ? most : 1024); ++fd) ::close(static_cast<int>(fd));
}

// Runs in the child: its own process group (so a timeout kills all it started), the pipes as
// fds 0-2 and nothing else open, signals as a fresh program expects them, then the limits.
[[noreturn]] void become_helper(const ChildPlan& plan) {
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr);
  ::sigaction(SIGXCPU, &dfl, nullptr);
  // The pipe ends may be any numbers, 0-2 included when the parent has those closed: lift them
  // all above 3 first, then place them.
  int in = ::fcntl(plan.stdin_fd, F_DUPFD_CLOEXEC, 4);
  int out = ::fcntl(plan.stdout_fd, F_DUPFD_CLOEXEC, 4);
  int err = ::fcntl(plan.stderr_fd, F_DUPFD_CLOEXEC, 4);
  int report = ::fcntl(plan.report_fd, F_DUPFD_CLOEXEC, 4);
  if (report < 0) ::_exit(127);
  if (in < 0 || out < 0 || err < 0 || ::dup2(report, 3) < 0 || ::fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
    child_fails(report, ChildStep::fds, errno);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
    child_fails(3, ChildStep::fds, errno);
  close_from(4);
  for (const auto& [resource, limit] : plan.limits) {
    if (::setrlimit(resource, &limit) != 0) child_fails(3, ChildStep::limits, errno);
  }
  ::execve(plan.program, plan.argv.data(), plan.envp.data());
  child_fails(3, ChildStep::exec, errno);
}

// Only what the readers can use; nothing of closeoutd's own (NOTIFY_SOCKET, CREDENTIALS_DIRECTORY).
std::vector<std::string> helper_environment() {
  static constexpr const char* passed[] = {
      "PATH",
      "TZ",
      "TESSDATA_PREFIX",
      "ASAN_OPTIONS",
      "UBSAN_OPTIONS",
      "LSAN_OPTIONS",
      "CLOSEOUT_EXTRACT_TEST_FAULT",  // test only: see closeout_extract_main.cpp
  };
  std::vector<std::string> env;
  for (const char* name : passed) {
    if (const char* value = std::getenv(name)) env.push_back(std::string(name) + "=" + value);
  }
  // tesseract's OpenMP threads would share RLIMIT_CPU (it counts the whole process) and the two
  // cores with the daemon; one attachment at a time reads fast enough on one.
  const char* omp = std::getenv("OMP_THREAD_LIMIT");
  env.push_back(std::string("OMP_THREAD_LIMIT=") + (omp ? omp : "1"));
  return env;
}

std::vector<std::string> helper_arguments(const std::string& program, std::string_view kind,
                                          const BinaryPart& part,
                                          const AttachmentHelperSettings& s) {
  // "--key=value" so a file name that starts with "-" is a value, not an option. The name is only
  // for the helper's messages (the reading gets the part's own), so a short cut is enough.
  std::string name = part.filename.substr(0, 255);
  name.erase(std::remove(name.begin(), name.end(), '\0'), name.end());
  std::vector<std::string> args = {
      program,
      "read",
      "--kind=" + std::string(kind),
      "--max-pdf-pages=" + std::to_string(s.max_pdf_pages),
      "--max-image-pixels=" + std::to_string(s.max_image_pixels),
      "--max-attachment-bytes=" + std::to_string(s.max_attachment_bytes)};
  if (!name.empty()) args.push_back("--filename=" + name);
  return args;
}

std::vector<std::pair<int, rlimit>> helper_limits(const AttachmentHelperSettings& s) {
  const auto cpu = static_cast<rlim_t>(std::max<std::int64_t>(1, s.cpu_seconds.count()));
  // SIGXCPU at the soft limit; the hard one, a second later, is SIGKILL for a helper that
  // ignores it.
  std::vector<std::pair<int, rlimit>> limits = {
      {RLIMIT_CPU, {cpu, cpu + 1}},
      {RLIMIT_FSIZE, {0, 0}},
      {RLIMIT_CORE, {0, 0}},
  };
#ifndef CLOSEOUT_HELPER_UNDER_ASAN
  limits.push_back(
      {RLIMIT_AS, {static_cast<rlim_t>(s.memory_bytes), static_cast<rlim_t>(s.memory_bytes)}});
#endif
  return limits;
}

struct Child {
  pid_t pid = -1;
  Fd in, out, err;
};

std::string describe_errno(int error) { return std::strerror(error); }

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Starts the helper, or says why it could not be started.
std::variant<Child, std::string> start_helper(const AttachmentHelperSettings& s,
                                              std::vector<std::string> args) {
  std::vector<std::string> env = helper_environment();
  int in[2], out[2], err[2], report[2];
  // Standard input is a socket, so the parent writes with MSG_NOSIGNAL: a helper that stops
  // reading early costs EPIPE, never a SIGPIPE in closeoutd.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
    return "cannot start the attachment reader: " + describe_errno(errno);
  Fd in_parent(in[0]), in_child(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0)
    return "cannot start the attachment reader: " + describe_errno(errno);
  Fd out_parent(out[0]), out_child(out[1]);
  if (::pipe2(err, O_CLOEXEC) != 0)
    return "cannot start the attachment reader: " + describe_errno(errno);
  Fd err_parent(err[0]), err_child(err[1]);
  if (::pipe2(report, O_CLOEXEC) != 0)
    return "cannot start the attachment reader: " + describe_errno(errno);
  Fd report_parent(report[0]), report_child(report[1]);
  // The child reads the file from here; shut the other way, it can only read.
  ::shutdown(in_child.get(), SHUT_WR);

  ChildPlan plan{s.program.c_str(),
                 {},
                 {},
                 in_child.get(),
                 out_child.get(),
                 err_child.get(),
                 report_child.get(),
                 helper_limits(s)};
  for (auto& a : args) plan.argv.push_back(a.data());
  plan.argv.push_back(nullptr);
  for (auto& e : env) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) return "cannot start the attachment reader: " + describe_errno(errno);
  if (pid == 0) become_helper(plan);
  // Also here, so the group exists before the parent could signal it (whichever runs first).
  ::setpgid(pid, pid);
  in_child.reset();
  out_child.reset();
  err_child.reset();
  report_child.reset();

  ChildFailure failure{};
  ssize_t n;
  do n = ::read(report_parent.get(), &failure, sizeof failure);
  while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    int status;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    switch (failure.step) {
      case ChildStep::limits:
        return "cannot limit the attachment reader (extract_memory, extract_seconds): " +
               describe_errno(failure.error);
      case ChildStep::exec:
        return "cannot start the attachment reader " + s.program + ": " +
               describe_errno(failure.error);
      default:
        return "cannot start the attachment reader: " + describe_errno(failure.error);
    }
  }
  set_nonblocking(in_parent.get());
  set_nonblocking(out_parent.get());
  set_nonblocking(err_parent.get());
  return Child{pid, std::move(in_parent), std::move(out_parent), std::move(err_parent)};
}

// What came back, and why the parent stopped listening.
struct Exchange {
  std::string out;
  std::string err;  // the start of it: for the reason when the helper fails
  bool overflow = false;
  bool timed_out = false;
};

constexpr std::size_t kStderrKept = 4096;

class Keeper {  // calls keep_alive about once a second
 public:
  explicit Keeper(const std::function<void()>& f) : f_(f) {}
  void tick() {
    if (!f_ || Clock::now() < next_) return;
    f_();
    next_ = Clock::now() + std::chrono::seconds(1);
  }

 private:
  const std::function<void()>& f_;
  Clock::time_point next_ = Clock::now() + std::chrono::seconds(1);
};

// Reads whatever is there; false at end of file or a read error.
bool drain(int fd, std::string& into, std::size_t keep, bool& over) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0) return false;
    std::size_t room = keep > into.size() ? keep - into.size() : 0;
    into.append(buffer, std::min(room, static_cast<std::size_t>(n)));
    if (static_cast<std::size_t>(n) > room) {
      over = true;
      return true;
    }
  }
}

// Feeds the bytes and collects the reply until the helper closes both outputs, the reply grows
// past a reading's bound, or the deadline passes.
Exchange feed_and_collect(Child& child, std::string_view bytes, Clock::time_point deadline,
                          Keeper& keeper, std::size_t max_out = max_reading_json_bytes) {
  Exchange x;
  std::size_t written = 0;
  bool out_open = true, err_open = true;
  if (bytes.empty()) child.in.reset();
  while (out_open || err_open) {
    auto now = Clock::now();
    if (now >= deadline) {
      x.timed_out = true;
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    pollfd fds[3];
    nfds_t n = 0;
    int in_at = -1, out_at = -1, err_at = -1;
    if (child.in) in_at = static_cast<int>(n), fds[n++] = {child.in.get(), POLLOUT, 0};
    if (out_open) out_at = static_cast<int>(n), fds[n++] = {child.out.get(), POLLIN, 0};
    if (err_open) err_at = static_cast<int>(n), fds[n++] = {child.err.get(), POLLIN, 0};
    int ready = ::poll(fds, n, static_cast<int>(std::min<long long>(left, 1000)));
    keeper.tick();
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      x.timed_out = true;  // cannot wait properly: stop the helper rather than spin
      break;
    }
    if (in_at >= 0 && fds[in_at].revents != 0) {
      std::size_t chunk = std::min<std::size_t>(bytes.size() - written, 65536);
      ssize_t sent = ::send(child.in.get(), bytes.data() + written, chunk, MSG_NOSIGNAL);
      if (sent > 0) written += static_cast<std::size_t>(sent);
      // EPIPE, ECONNRESET: it stopped reading (done, or refused the rest); its reply says why.
      bool stopped = sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
      if (stopped || written == bytes.size()) child.in.reset();  // end of file for the helper
    }
    if (out_at >= 0 && fds[out_at].revents != 0) {
      out_open = drain(child.out.get(), x.out, max_out, x.overflow);
      if (x.overflow) break;
    }
    if (err_at >= 0 && fds[err_at].revents != 0) {
      bool ignored = false;
      err_open = drain(child.err.get(), x.err, kStderrKept, ignored);
    }
  }
  child.in.reset();
  return x;
}

struct Ended {
  int status = 0;
  double cpu_seconds = 0;
};

double seconds_of(const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; }

// Waits for the helper to end, by the deadline (it may close its outputs and go on running),
// kills whatever is left of its group while the dead leader still holds the group's number, and
// reaps it. `killed` is set when the deadline had to do it.
Ended reap(pid_t pid, bool kill_now, Clock::time_point deadline, Keeper& keeper, bool& killed) {
  if (kill_now) {
    ::kill(-pid, SIGKILL);
    killed = true;
  }
  for (;;) {
    siginfo_t info{};
    int r = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
    if (r == 0 && info.si_pid == pid) break;
    if (r < 0 && errno != EINTR) break;
    if (!killed && Clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      killed = true;
    }
    keeper.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(-pid, SIGKILL);  // the helper never starts processes; any left are a reader's doing
  Ended ended;
  rusage usage{};
  while (::wait4(pid, &ended.status, 0, &usage) < 0 && errno == EINTR) {
  }
  ended.cpu_seconds = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
  return ended;
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

AttachmentReading unreadable(std::string reason) {
  AttachmentReading r;
  r.read = AttachmentRead::unreadable;
  r.reason = std::move(reason);
  return r;
}

AttachmentReading tripped(std::string reason, const char* limit) {
  AttachmentReading r = unreadable(std::move(reason));
  r.limits_tripped.emplace_back(limit);
  return r;
}

AttachmentReading outcome(const Exchange& x, const Ended& e, bool killed_at_deadline,
                          const AttachmentHelperSettings& s) {
  const std::string too_slow =
      "took longer than extract_seconds (" + std::to_string(s.cpu_seconds.count()) + "s)";
  if (x.timed_out || killed_at_deadline) return tripped(too_slow, "extract_seconds");
  if (x.overflow)
    return unreadable("the attachment reader's reply is larger than " +
                      std::to_string(max_reading_json_bytes) + " bytes");
  if (WIFSIGNALED(e.status)) {
    int sig = WTERMSIG(e.status);
    // SIGKILL that the parent did not send: RLIMIT_CPU's hard limit, when the CPU time says so.
    if (sig == SIGXCPU ||
        (sig == SIGKILL && e.cpu_seconds >= static_cast<double>(s.cpu_seconds.count())))
      return tripped(too_slow, "extract_seconds");
    return unreadable("the attachment reader crashed (signal " + std::to_string(sig) + ")");
  }
  int code = WIFEXITED(e.status) ? WEXITSTATUS(e.status) : -1;
  if (code == extract_exit::out_of_memory)
    return tripped("needed more than extract_memory (" + std::to_string(s.memory_bytes) + " bytes)",
                   "extract_memory");
  if (code != extract_exit::ok) {
    std::string reason = "the attachment reader failed (exit " + std::to_string(code) + ")";
    if (!x.err.empty()) reason += ": " + first_line(x.err);
    return unreadable(reason);
  }
  std::string error;
  auto reading = reading_from_json(x.out, &error);
  if (!reading) return unreadable("the attachment reader's reply is " + error);
  return *reading;
}

}  // namespace

AttachmentHelperSettings attachment_helper_settings(const Config& config) {
  AttachmentHelperSettings s;
  s.cpu_seconds = config.limits.extract_seconds;
  s.memory_bytes = config.limits.extract_memory;
  s.max_attachment_bytes = config.limits.max_attachment_bytes;
  s.max_pdf_pages = static_cast<std::size_t>(config.limits.max_pdf_pages);
  s.max_image_pixels = config.limits.max_image_pixels;
  return s;
}

std::string default_extract_program() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto beside = self.parent_path() / "closeout-extract";
    if (::access(beside.c_str(), X_OK) == 0) return beside.string();
  }
  return std::string(CLOSEOUT_LIBEXECDIR) + "/closeout-extract";
}

AttachmentReading read_in_helper(const BinaryPart& part, std::string_view kind,
                                 const AttachmentHelperSettings& settings) {
  AttachmentReading reading;
  if (part.too_large || part.size > settings.max_attachment_bytes ||
      part.bytes.size() > settings.max_attachment_bytes) {
    reading.read = AttachmentRead::skipped;
    reading.reason = "larger than max_attachment_bytes (" +
                     std::to_string(settings.max_attachment_bytes) + " bytes)";
    reading.limits_tripped.emplace_back("max_attachment_bytes");
  } else {
    AttachmentHelperSettings s = settings;
    if (s.program.empty()) s.program = default_extract_program();
    const auto wall = s.wall_clock.count() > 0
                          ? s.wall_clock
                          : std::chrono::milliseconds(s.cpu_seconds * 2 + std::chrono::seconds(5));
    const auto deadline = Clock::now() + wall;
    auto started = start_helper(s, helper_arguments(s.program, kind, part, s));
    if (auto* why = std::get_if<std::string>(&started)) {
      reading = unreadable(*why);
    } else {
      Child& child = std::get<Child>(started);
      Keeper keeper(s.keep_alive);
      Exchange x = feed_and_collect(child, part.bytes, deadline, keeper);
      child.out.reset();  // a helper still writing gets EPIPE (or its SIGPIPE), not a full pipe
      child.err.reset();
      bool killed = false;
      Ended ended = reap(child.pid, x.timed_out || x.overflow, deadline, keeper, killed);
      reading = outcome(x, ended, killed && !x.overflow, s);
    }
  }
  reading.filename = part.filename;
  if (reading.type.empty()) reading.type = std::string(kind);
  return reading;
}

std::string HelperRun::describe() const {
  if (!start_error.empty()) return start_error;
  std::string what;
  if (timed_out)
    what = "took longer than extract_seconds";
  else if (overflow)
    what = "its output was larger than allowed";
  else if (signal != 0)
    what = "crashed (signal " + std::to_string(signal) + ")";
  else if (exit_code == extract_exit::out_of_memory)
    what = "needed more than extract_memory";
  else
    what = "exit " + std::to_string(exit_code);
  return err.empty() ? what : what + ": " + first_line(err);
}

HelperRun run_helper(const std::vector<std::string>& args, std::string_view stdin_bytes,
                     const AttachmentHelperSettings& settings, std::size_t max_output) {
  HelperRun run;
  AttachmentHelperSettings s = settings;
  if (s.program.empty()) s.program = default_extract_program();
  std::vector<std::string> argv = {s.program};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto wall = s.wall_clock.count() > 0
                        ? s.wall_clock
                        : std::chrono::milliseconds(s.cpu_seconds * 2 + std::chrono::seconds(5));
  const auto deadline = Clock::now() + wall;
  auto started = start_helper(s, std::move(argv));
  if (auto* why = std::get_if<std::string>(&started)) {
    run.start_error = *why;
    return run;
  }
  Child& child = std::get<Child>(started);
  Keeper keeper(s.keep_alive);
  Exchange x = feed_and_collect(child, stdin_bytes, deadline, keeper, max_output);
  child.out.reset();
  child.err.reset();
  bool killed = false;
  Ended ended = reap(child.pid, x.timed_out || x.overflow, deadline, keeper, killed);
  run.out = std::move(x.out);
  run.err = std::move(x.err);
  run.overflow = x.overflow;
  run.timed_out = x.timed_out || (killed && !x.overflow);
  if (WIFSIGNALED(ended.status)) {
    run.signal = WTERMSIG(ended.status);
    if (run.signal == SIGXCPU ||
        (run.signal == SIGKILL && ended.cpu_seconds >= static_cast<double>(s.cpu_seconds.count())))
      run.timed_out = true;
  } else if (WIFEXITED(ended.status)) {
    run.exit_code = WEXITSTATUS(ended.status);
  }
  return run;
}

AttachmentReader helper_attachment_reader(AttachmentHelperSettings settings) {
  if (settings.program.empty()) settings.program = default_extract_program();
  return [settings = std::move(settings)](const BinaryPart& part, std::string_view kind) {
    try {
      return read_in_helper(part, kind, settings);
    } catch (const std::exception& e) {  // std::bad_alloc building the arguments, and the like
      AttachmentReading r = unreadable(std::string("the attachment was not read: ") + e.what());
      r.filename = part.filename;
      r.type = std::string(kind);
      return r;
    }
  };
}

}  // namespace closeout
