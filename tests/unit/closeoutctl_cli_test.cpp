// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutctl as a user runs it: real process, real files, exit codes and output (SPEC "Commands").
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <atomic>
#include <thread>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

namespace fs = std::filesystem;
const fs::path kData = fs::path(CLOSEOUT_TEST_DATA) / "cli";

struct CtlRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class Closeoutctl : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("closeoutctl-test-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CtlRun run(const std::string& args, const std::string& input = "") {
    std::ofstream(dir_ / "stdin") << input;
    std::string cmd = std::string(CLOSEOUTCTL_PATH) + " " + args + " <" +
                      (dir_ / "stdin").string() + " >" + (dir_ / "stdout").string() + " 2>" +
                      (dir_ / "stderr").string();
    int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir_ / "stdout"), slurp(dir_ / "stderr")};
  }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }

  std::string data(const char* name) { return (kData / name).string(); }

  fs::path dir_;
};

TEST_F(Closeoutctl, ParseJsonPrintsTheSpecObject) {
  CtlRun r = run("parse --json " + data("dispatch.eml"));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "dispatch");
  EXPECT_EQ(j["dispatch_number"], "7012345678");
  EXPECT_EQ(j["from"], "dispatch@cits.canon.com");
  EXPECT_EQ(j["message_id"], "<20261123141400.7012345678@cits.canon.com>");
  EXPECT_EQ(j["fields"]["serial_number"], "AAB01234");
  EXPECT_EQ(j["fields"]["dispatch_date"], "2026-11-23");
  EXPECT_EQ(j["fields"]["problem_description"],
            "Error E194-403a at power on; head replaced by customer did not clear it.");
  EXPECT_EQ(j["valid"], true);
  EXPECT_TRUE(j["problems"].empty());
  for (const char* key : {"kind", "message_id", "from", "subject", "dispatch_number", "fields",
                          "valid", "problems", "warnings"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_F(Closeoutctl, SeveralFilesGiveJsonLinesInOrder) {
  CtlRun r = run("parse --json --today 2026-11-24 " + data("dispatch.eml") + " " +
                 data("reply-incomplete.eml"));
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::string first, second, extra;
  ASSERT_TRUE(std::getline(lines, first));
  ASSERT_TRUE(std::getline(lines, second));
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(nlohmann::json::parse(first)["kind"], "dispatch");
  auto reply = nlohmann::json::parse(second);
  EXPECT_EQ(reply["kind"], "section2");
  EXPECT_EQ(reply["valid"], false);
  std::set<std::pair<std::string, std::string>> problems;
  for (auto& p : reply["problems"]) problems.emplace(p["field"], p["code"]);
  std::set<std::pair<std::string, std::string>> expected = {{"completion_time", "placeholder"},
                                                            {"corrective_action", "missing"}};
  EXPECT_EQ(problems, expected);
  EXPECT_EQ(reply["warnings"][0]["field"], "etag_number");
}

TEST_F(Closeoutctl, DashReadsStandardInput) {
  CtlRun r = run("parse --json -", slurp(kData / "dispatch.eml"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["dispatch_number"], "7012345678");
}

TEST_F(Closeoutctl, HumanSummaryNamesKindFieldsAndProblems) {
  CtlRun r = run("parse --today 2026-11-24 " + data("reply-incomplete.eml"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("section2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Technician Name"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Mike Ross"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NOT VALID: 2 problems"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Corrective Action is missing"), std::string::npos) << r.out;
}

// reply-pdf-form.eml: the technician typed only their name and attached the pdf branch's
// form_acrobat_filled.pdf as Section2.pdf; closeoutctl reads it in the attachment helper.
TEST_F(Closeoutctl, ParseJsonReadsAFilledPdfFormAndSaysWhereEachValueCameFrom) {
  CtlRun r = run("parse --json --today 2026-11-24 " + data("reply-pdf-form.eml"));
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["kind"], "section2");
  EXPECT_EQ(j["valid"], true) << j["problems"].dump();
  EXPECT_EQ(j["fields"]["technician_name"], "Mike Ross");
  EXPECT_EQ(j["fields"]["service_date"], "2026-11-24");
  EXPECT_EQ(j["fields"]["call_status"], "completed");
  EXPECT_EQ(j["field_sources"]["technician_name"], "body");
  EXPECT_EQ(j["field_sources"]["service_date"], "attachment:Section2.pdf");
  EXPECT_EQ(j["field_sources"]["call_status"], "attachment:Section2.pdf");
  EXPECT_EQ(j["attachments"], nlohmann::json::parse(R"([{"filename": "Section2.pdf", "type": "pdf",
                                       "read": "form_fields", "reason": ""}])"));
  EXPECT_EQ(j["needs_review"], false);
}

TEST_F(Closeoutctl, HumanSummaryNamesEachValuesSourceAndTheAttachments) {
  CtlRun r = run("parse --today 2026-11-24 " + data("reply-pdf-form.eml"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Mike Ross  (from the mail)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2026-11-24  (from Section2.pdf)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Attachments\n    - Section2.pdf (pdf): form fields read\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("VALID: ready to close out"), std::string::npos) << r.out;
}

TEST_F(Closeoutctl, MissingFileExits66AndStillParsesTheOthers) {
  CtlRun r = run("parse --json " + data("no-such-file.eml") + " " + data("dispatch.eml"));
  EXPECT_EQ(r.status, 66);
  EXPECT_NE(r.err.find("no-such-file.eml"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["kind"], "dispatch");
}

TEST_F(Closeoutctl, DirectoryIsNoInputFile) {
  CtlRun r = run("parse " + kData.string());
  EXPECT_EQ(r.status, 66);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
}

TEST_F(Closeoutctl, ConfigOptionMayFollowTheSubcommand) {
  std::string cfg = write("c.toml", "[cits]\nsenders = [\"*@other.example\"]\n");
  CtlRun r = run("parse --config " + cfg + " --json " + data("dispatch.eml"));
  ASSERT_EQ(r.status, 0) << r.err;
  // CITS is no longer a configured sender; the blank Section 2 template makes it a reply.
  EXPECT_EQ(nlohmann::json::parse(r.out)["kind"], "section2");
}

TEST_F(Closeoutctl, InputThatIsNoMessageExits65) {
  CtlRun r = run("parse --json " + data("not-a-message.bin"));
  EXPECT_EQ(r.status, 65);
  EXPECT_NE(r.err.find("not a readable message"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_EQ(run("parse -", "").status, 65);
}

TEST_F(Closeoutctl, OversizeMessageExits65) {
  std::string cfg = write("small.toml", "[limits]\nmax_message_bytes = 100\n");
  CtlRun r = run("--config " + cfg + " parse " + data("dispatch.eml"));
  EXPECT_EQ(r.status, 65);
  EXPECT_NE(r.err.find("max_message_bytes"), std::string::npos) << r.err;
}

TEST_F(Closeoutctl, BadConfigExits78NamingKeyAndLine) {
  std::string cfg = write("bad.toml", "[imap]\nidle = \"yes\"\n");
  CtlRun r = run("--config " + cfg + " parse " + data("dispatch.eml"));
  EXPECT_EQ(r.status, 78);
  EXPECT_NE(r.err.find("bad.toml:2: imap.idle"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());

  std::string broken = write("broken.toml", "[cits\nsenders = 1\n");
  EXPECT_EQ(run("--config " + broken + " parse " + data("dispatch.eml")).status, 78);
  EXPECT_EQ(
      run("--config " + (dir_ / "absent.toml").string() + " parse " + data("dispatch.eml")).status,
      78);
}

// Issue 11: a config closeoutd would refuse is refused offline too, with the key and the file.
TEST_F(Closeoutctl, CheckConfigOfflineRefusesAConfigThatCannotSend) {
  std::string password = write("pass", "secret\n");
  std::string servers =
      "[imap]\nurl = \"imaps://127.0.0.1:1/INBOX\"\nusername = \"u\"\npassword_file = \"" +
      password + "\"\n[smtp]\nurl = \"smtp://127.0.0.1:1\"\nusername = \"u\"\npassword_file = \"" +
      password + "\"\nfrom = \"service@dealer.example\"\n";
  std::string good = write("good.toml", servers);
  CtlRun ok = run("--config " + good + " check-config --offline");
  EXPECT_EQ(ok.status, 0) << ok.err;
  std::string bad = write("bad.toml", servers + "[cits]\ncloseout_address = \"\"\n");
  CtlRun r = run("--config " + bad + " check-config --offline");
  EXPECT_EQ(r.status, 78) << r.out;
  EXPECT_EQ(r.err, "closeoutctl: " + bad +
                       ": cits.closeout_address: is empty; closeoutd cannot "
                       "send mail without it\n");
  std::string pattern =
      write("pattern.toml", servers + "[dealer]\nnotify = [\"*@dealer.example\"]\n");
  CtlRun p = run("--config " + pattern + " check-config --offline");
  EXPECT_EQ(p.status, 78) << p.out;
  EXPECT_NE(p.err.find("dealer.notify: \"*@dealer.example\" is a pattern"), std::string::npos)
      << p.err;
}

// closeoutctl backup while something writes (the daemon's part, played here by a writer that
// adds serials two at a time): each copy is whole, checked, and from one moment (an even count).
TEST_F(Closeoutctl, BackupIsAConsistentCopyWhileAWriterRuns) {
  std::string db = (dir_ / "state.db").string();
  std::string config = write("c.toml", "[store]\npath = \"" + db + "\"\n");
  CtlRun missing = run("--config " + config + " backup " + (dir_ / "copy.db").string());
  EXPECT_EQ(missing.status, 66) << missing.err;
  ASSERT_EQ(run("--config " + config + " list").status, 0);  // creates the database

  std::atomic<bool> writing{true};
  std::atomic<int> pairs{0};
  std::thread writer([&] {
    SQLite::Database w(db, SQLite::OPEN_READWRITE);
    w.setBusyTimeout(10000);
    while (writing) {
      SQLite::Transaction tx(w);
      for (int k = 0; k < 2; ++k)
        w.exec("INSERT INTO ascr_serials (serial, written, imported_at) VALUES ('S" +
               std::to_string(pairs * 2 + k) + "', 'x', 0)");
      tx.commit();
      ++pairs;
    }
  });
  while (pairs < 50) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int i = 0; i < 3; ++i) {
    std::string copy = (dir_ / ("copy" + std::to_string(i) + ".db")).string();
    CtlRun r = run("--config " + config + " backup " + copy);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("copied to " + copy), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(copy + ".tmp"));
    SQLite::Database c(copy, SQLite::OPEN_READONLY);
    EXPECT_EQ(c.execAndGet("PRAGMA integrity_check").getString(), "ok");
    int serials = c.execAndGet("SELECT count(*) FROM ascr_serials").getInt();
    EXPECT_GE(serials, 100);
    EXPECT_EQ(serials % 2, 0) << "a copy from between two commits";
  }
  writing = false;
  writer.join();

  auto size_before = fs::file_size(db);
  CtlRun live = run("--config " + config + " backup " + db);
  EXPECT_EQ(live.status, 64);
  EXPECT_NE(live.err.find("is the live database"), std::string::npos) << live.err;
  EXPECT_EQ(run("--config " + config + " backup " + db + "-wal").status, 64);
  EXPECT_EQ(fs::file_size(db), size_before);
  CtlRun nowhere = run("--config " + config + " backup /nonexistent/dir/copy.db");
  EXPECT_EQ(nowhere.status, 73) << nowhere.err;
}

TEST_F(Closeoutctl, ConfigSendersAndTechniciansAreUsed) {
  std::string cfg = write("c.toml",
                          "[cits]\nsenders = [\"*@other.example\"]\n"
                          "[dealer]\ntechnicians = [\"*@dealer.example\"]\n[future]\nx = 1\n");
  CtlRun r = run("--config " + cfg + " parse --json " + data("dispatch.eml"));
  ASSERT_EQ(r.status, 0) << r.err;
  // CITS's address is no longer a configured sender, so this is not a dispatch.
  EXPECT_NE(nlohmann::json::parse(r.out)["kind"], "dispatch");
  EXPECT_NE(r.err.find("unknown section [future]"), std::string::npos) << r.err;

  std::string strict = write("t.toml", "[dealer]\ntechnicians = [\"boss@dealer.example\"]\n");
  CtlRun t = run("--config " + strict + " parse --json --today 2026-11-24 " +
                 data("reply-incomplete.eml"));
  auto warnings = nlohmann::json::parse(t.out)["warnings"];
  EXPECT_TRUE(std::any_of(warnings.begin(), warnings.end(), [](auto& w) {
    return w["field"] == "from";
  })) << t.out;
}

TEST_F(Closeoutctl, UsageErrorsExit64) {
  EXPECT_EQ(run("parse").status, 64);
  EXPECT_EQ(run("parse --bogus " + data("dispatch.eml")).status, 64);
  EXPECT_EQ(run("").status, 64);
  EXPECT_EQ(run("parse --today someday " + data("dispatch.eml")).status, 64);
  CtlRun r = run("frobnicate");
  EXPECT_EQ(r.status, 64);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(Closeoutctl, VersionAndHelpExit0) {
  CtlRun v = run("--version");
  EXPECT_EQ(v.status, 0);
  EXPECT_NE(v.out.find("closeoutctl"), std::string::npos);
  CtlRun h = run("--help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("parse"), std::string::npos);
}

}  // namespace
