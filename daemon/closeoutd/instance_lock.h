// SPDX-License-Identifier: GPL-3.0-or-later
// One closeoutd per database: an flock(2) on "<store.path>.lock", holding the owner's PID, taken
// before the first mail is touched and held until the process exits (the kernel drops it even
// on a crash, so a stale file never blocks a start). closeoutctl never takes it.
#pragma once
#include <sys/types.h>
#include <optional>
#include <stdexcept>
#include <string>

namespace closeout {

// Another closeoutd holds the lock (exit 75, EX_TEMPFAIL): what() names it and its PID.
class InstanceBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InstanceLock {
 public:
  // Takes the lock for the database at store_path or throws InstanceBusy (another closeoutd)
  // or std::runtime_error (the lock file cannot be created: exit 74).
  static InstanceLock acquire(const std::string& store_path);
  ~InstanceLock();
  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  InstanceLock& operator=(InstanceLock&&) = delete;

  static std::string path_for(const std::string& store_path) { return store_path + ".lock"; }

 private:
  explicit InstanceLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace closeout
