// SPDX-License-Identifier: GPL-3.0-or-later
// A close-out's acceptance is on disk the moment it is recorded (issue 11): a power loss after
// the server's 250 must not make us send it again. Seen through a VFS that counts fsyncs: the
// daemon's usual synchronous=NORMAL syncs nothing at a WAL commit, FULL syncs the WAL.
#include <sqlite3.h>

#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

// Forwards everything to the default VFS and counts xSync calls.
struct CountingVfs {
  static inline sqlite3_vfs* real = nullptr;
  static inline sqlite3_vfs vfs{};
  static inline sqlite3_io_methods methods{};
  static inline int syncs = 0;

  struct File {
    sqlite3_file base;
    sqlite3_file* inner() { return reinterpret_cast<sqlite3_file*>(this + 1); }
  };
  static sqlite3_file* inner(sqlite3_file* f) { return reinterpret_cast<File*>(f)->inner(); }

  static void install() {
    real = sqlite3_vfs_find(nullptr);
    vfs = *real;
    vfs.zName = "closeoutd-counting";
    vfs.szOsFile = static_cast<int>(sizeof(File)) + real->szOsFile;
    vfs.xOpen = [](sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out) {
      auto* file = reinterpret_cast<File*>(f);
      file->base.pMethods = nullptr;
      int rc = real->xOpen(real, name, file->inner(), flags, out);
      if (file->inner()->pMethods) file->base.pMethods = &methods;
      return rc;
    };
    methods.iVersion = 3;
    methods.xClose = [](sqlite3_file* f) { return inner(f)->pMethods->xClose(inner(f)); };
    methods.xRead = [](sqlite3_file* f, void* b, int n, sqlite3_int64 o) {
      return inner(f)->pMethods->xRead(inner(f), b, n, o);
    };
    methods.xWrite = [](sqlite3_file* f, const void* b, int n, sqlite3_int64 o) {
      return inner(f)->pMethods->xWrite(inner(f), b, n, o);
    };
    methods.xTruncate = [](sqlite3_file* f, sqlite3_int64 n) {
      return inner(f)->pMethods->xTruncate(inner(f), n);
    };
    methods.xSync = [](sqlite3_file* f, int flags) {
      ++syncs;
      return inner(f)->pMethods->xSync(inner(f), flags);
    };
    methods.xFileSize = [](sqlite3_file* f, sqlite3_int64* n) {
      return inner(f)->pMethods->xFileSize(inner(f), n);
    };
    methods.xLock = [](sqlite3_file* f, int l) { return inner(f)->pMethods->xLock(inner(f), l); };
    methods.xUnlock = [](sqlite3_file* f, int l) {
      return inner(f)->pMethods->xUnlock(inner(f), l);
    };
    methods.xCheckReservedLock = [](sqlite3_file* f, int* r) {
      return inner(f)->pMethods->xCheckReservedLock(inner(f), r);
    };
    methods.xFileControl = [](sqlite3_file* f, int op, void* a) {
      return inner(f)->pMethods->xFileControl(inner(f), op, a);
    };
    methods.xSectorSize = [](sqlite3_file* f) { return inner(f)->pMethods->xSectorSize(inner(f)); };
    methods.xDeviceCharacteristics = [](sqlite3_file* f) {
      return inner(f)->pMethods->xDeviceCharacteristics(inner(f));
    };
    methods.xShmMap = [](sqlite3_file* f, int i, int sz, int ext, void volatile** p) {
      return inner(f)->pMethods->xShmMap(inner(f), i, sz, ext, p);
    };
    methods.xShmLock = [](sqlite3_file* f, int o, int n, int fl) {
      return inner(f)->pMethods->xShmLock(inner(f), o, n, fl);
    };
    methods.xShmBarrier = [](sqlite3_file* f) { inner(f)->pMethods->xShmBarrier(inner(f)); };
    methods.xShmUnmap = [](sqlite3_file* f, int d) {
      return inner(f)->pMethods->xShmUnmap(inner(f), d);
    };
    methods.xFetch = [](sqlite3_file* f, sqlite3_int64 o, int n, void** p) {
      return inner(f)->pMethods->xFetch(inner(f), o, n, p);
    };
    methods.xUnfetch = [](sqlite3_file* f, sqlite3_int64 o, void* p) {
      return inner(f)->pMethods->xUnfetch(inner(f), o, p);
    };
    sqlite3_vfs_register(&vfs, 1);
  }
  static void remove() {
    sqlite3_vfs_unregister(&vfs);
    sqlite3_vfs_register(real, 1);
  }
};

class OutboxDurable : public WorkflowTest {
 protected:
  void SetUp() override {
    CountingVfs::install();
    WorkflowTest::SetUp();
  }
  void TearDown() override {
    WorkflowTest::TearDown();
    CountingVfs::remove();
  }
  int syncs_while_accepting(const store::OutboxEntry& e) {
    auto w = runtime_->workflow();
    int before = CountingVfs::syncs;
    workflow::apply_send_result(w, e, {workflow::SendVerdict::accepted, "250 2.0.0 Ok"}, kNow);
    return CountingVfs::syncs - before;
  }
};

TEST_F(OutboxDurable, ACloseOutsAcceptanceIsSyncedToDiskOtherMailIsNot) {
  deliver_dispatch("7012345678");
  EXPECT_EQ(syncs_while_accepting(outbox("notice").at(0)), 0)
      << "a notice keeps the cheap NORMAL (the counter sees the database)";
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  EXPECT_GE(syncs_while_accepting(outbox("closeout").at(0)), 1)
      << "the close-out's acceptance reached the disk";
  EXPECT_EQ(dispatch("7012345678").state, "closed_out");
  EXPECT_EQ(runtime_->db().execAndGet("PRAGMA synchronous").getInt(), 1)
      << "and the connection is back to NORMAL";
}

}  // namespace
}  // namespace closeout::testing
