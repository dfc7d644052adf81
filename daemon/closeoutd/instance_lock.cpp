// SPDX-License-Identifier: GPL-3.0-or-later
// The instance lock. flock, not a PID file checked by hand: the kernel releases it when the
// holder dies, so there is no stale-PID guessing; the PID inside is only for the message.
#include "instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace closeout {

namespace {

std::string read_pid(int fd) {
  char buffer[32] = {};
  ssize_t n = pread(fd, buffer, sizeof buffer - 1, 0);
  std::string text = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "unknown" : text;
}

}  // namespace

InstanceLock InstanceLock::acquire(const std::string& store_path) {
  const std::string path = path_for(store_path);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    throw std::runtime_error("cannot create the lock file " + path + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::string pid = read_pid(fd);
    ::close(fd);
    if (error == EWOULDBLOCK)
      throw InstanceBusy("another closeoutd (PID " + pid + ") is working on " + store_path +
                         " (lock " + path + "); not starting a second one");
    throw std::runtime_error("cannot lock " + path + ": " + std::strerror(error));
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    int error = errno;
    ::close(fd);
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(error));
  }
  return InstanceLock(fd);
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

// The file stays: removing it would race with a new closeoutd that opened it but has not
// locked it yet (two processes would then lock two different files).
InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace closeout
