#include "helper_process.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#ifndef CLOSEOUT_LIBEXECDIR
#define CLOSEOUT_LIBEXECDIR "/usr/libexec/closeoutd"
#endif

namespace closeout {

namespace {

using Clock = std::chrono::steady_clock;

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// In the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const std::vector<char*>& argv, int in, int out, int err,
                             const HelperLimits& limits, const sigset_t& mask) {
  ::pthread_sigmask(SIG_SETMASK, &mask, nullptr);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  rlimit as{limits.memory_bytes, limits.memory_bytes};
  ::setrlimit(RLIMIT_AS, &as);
  auto cpu = static_cast<rlim_t>(limits.cpu_seconds.count());
  rlimit cpu_limit{cpu, cpu + 1};
  ::setrlimit(RLIMIT_CPU, &cpu_limit);
  rlimit zero{0, 0};
  ::setrlimit(RLIMIT_FSIZE, &zero);
  ::setrlimit(RLIMIT_CORE, &zero);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

}  // namespace

std::string HelperResult::describe() const {
  if (!started) return "could not start: " + err;
  std::string first = err.substr(0, err.find('\n'));
  std::string out_text;
  if (timed_out)
    out_text = "stopped after its time ran out";
  else if (signal != 0)
    out_text = std::string("killed by signal ") + std::to_string(signal) +
               (signal == SIGXCPU ? " (CPU time limit)" : "");
  else if (stdout_cut)
    out_text = "its output was larger than allowed";
  else
    out_text = "exit " + std::to_string(exit_code);
  return first.empty() ? out_text : out_text + ": " + first;
}

HelperResult run_helper(const std::vector<std::string>& args, std::string_view stdin_bytes,
                        const HelperLimits& limits) {
  HelperResult result;
  if (args.empty()) {
    result.err = "no program";
    return result;
  }
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    for (int* p : {in, out, err}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
    return result;
  }
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);

  // A child that exits before reading all of stdin must not SIGPIPE this process: SIGPIPE is
  // held for this thread while it writes, and one that came is taken before it is let go.
  sigset_t pipe_only;
  sigset_t before;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_only, &before);
  struct RestoreMask {
    const sigset_t& pipe_only;
    const sigset_t& before;
    ~RestoreMask() {
      timespec zero{0, 0};
      while (::sigtimedwait(&pipe_only, nullptr, &zero) > 0) {
      }
      ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    }
  } restore{pipe_only, before};

  pid_t pid = ::fork();
  if (pid == 0) exec_child(argv, in[0], out[1], err[1], limits, before);
  close_fd(in[0]);
  close_fd(out[1]);
  close_fd(err[1]);
  if (pid < 0) {
    result.err = std::string("fork: ") + std::strerror(errno);
    close_fd(in[1]);
    close_fd(out[0]);
    close_fd(err[0]);
    return result;
  }
  result.started = true;
  for (int fd : {in[1], out[0], err[0]}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  auto wall = limits.wall_clock;
  if (wall.count() == 0)
    wall = std::max<std::chrono::milliseconds>(std::chrono::seconds(10), limits.cpu_seconds * 3);
  auto deadline = Clock::now() + wall;
  std::size_t written = 0;
  if (stdin_bytes.empty()) close_fd(in[1]);
  char buffer[65536];
  while (out[0] >= 0 || err[0] >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3];
    nfds_t n = 0;
    for (int fd : {in[1], out[0], err[0]}) {
      if (fd < 0) continue;
      fds[n++] = {fd, static_cast<short>(fd == in[1] ? POLLOUT : POLLIN), 0};
    }
    int ready = ::poll(fds, n, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (nfds_t i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      int fd = fds[i].fd;
      if (fd == in[1]) {
        ssize_t w = ::write(fd, stdin_bytes.data() + written, stdin_bytes.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        // EPIPE (the child stopped reading) is its business; its exit says why.
        if ((w < 0 && errno != EAGAIN) || written == stdin_bytes.size()) close_fd(in[1]);
        continue;
      }
      ssize_t r = ::read(fd, buffer, sizeof buffer);
      if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (r <= 0) {
        close_fd(fd == out[0] ? out[0] : err[0]);
        continue;
      }
      if (fd == out[0]) {
        result.out.append(buffer, static_cast<std::size_t>(r));
        if (result.out.size() > limits.max_stdout_bytes) {
          result.stdout_cut = true;
          close_fd(out[0]);
          close_fd(err[0]);
        }
      } else if (result.err.size() < limits.max_stderr_bytes) {
        result.err.append(buffer, static_cast<std::size_t>(r));
      }
    }
  }
  close_fd(in[1]);
  close_fd(out[0]);
  close_fd(err[0]);
  if (result.timed_out || result.stdout_cut) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
    if (result.exit_code == 127 && result.err.empty()) result.err = "cannot run " + args[0];
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  if (result.timed_out) result.signal = result.signal ? result.signal : SIGKILL;
  return result;
}

std::string extract_program_path() {
  if (const char* env = std::getenv("CLOSEOUT_EXTRACT_PROGRAM"); env && *env) return env;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto beside = self.parent_path() / "closeout-extract";
    if (std::filesystem::exists(beside, ec)) return beside.string();
  }
  return std::string(CLOSEOUT_LIBEXECDIR) + "/closeout-extract";
}

}  // namespace closeout
