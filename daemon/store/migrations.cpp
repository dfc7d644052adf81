// SPDX-License-Identifier: GPL-3.0-or-later
#include "migrations.h"

#include <string>

#include "database.h"

namespace closeout::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1, "dispatches, events, incoming messages, outbox, ASCR serials, IMAP position", R"SQL(
CREATE TABLE dispatches (
  number            TEXT PRIMARY KEY,
  state             TEXT NOT NULL,
  serial_number     TEXT NOT NULL DEFAULT '',
  model             TEXT NOT NULL DEFAULT '',
  customer_name     TEXT NOT NULL DEFAULT '',
  dispatch_date     TEXT NOT NULL DEFAULT '',
  section1_json     TEXT NOT NULL,
  section2_json     TEXT,
  unregistered      INTEGER NOT NULL DEFAULT 0,
  overdue           INTEGER NOT NULL DEFAULT 0,
  received_at       INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  closed_out_at     INTEGER,
  reminders_sent    INTEGER NOT NULL DEFAULT 0,
  last_reminder_at  INTEGER,
  escalated_at      INTEGER
);
CREATE INDEX dispatches_state ON dispatches(state);

CREATE TABLE events (
  id               INTEGER PRIMARY KEY,
  dispatch_number  TEXT NOT NULL REFERENCES dispatches(number),
  at               INTEGER NOT NULL,
  event            TEXT NOT NULL,
  from_state       TEXT,
  to_state         TEXT,
  message_id       TEXT,
  detail           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_dispatch ON events(dispatch_number, id);

CREATE TABLE messages (
  id               INTEGER PRIMARY KEY,
  uidvalidity      INTEGER NOT NULL,
  uid              INTEGER NOT NULL,
  message_id       TEXT NOT NULL DEFAULT '',
  from_address     TEXT NOT NULL DEFAULT '',
  subject          TEXT NOT NULL DEFAULT '',
  kind             TEXT NOT NULL,
  action           TEXT NOT NULL,
  folder           TEXT NOT NULL,
  dispatch_number  TEXT,
  detail           TEXT NOT NULL DEFAULT '',
  size             INTEGER NOT NULL DEFAULT 0,
  processed_at     INTEGER NOT NULL,
  UNIQUE (uidvalidity, uid)
);
CREATE INDEX messages_message_id ON messages(message_id);

CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL,
  dispatch_number  TEXT,
  message_id       TEXT NOT NULL UNIQUE,
  envelope_from    TEXT NOT NULL,
  recipients       TEXT NOT NULL,
  subject          TEXT NOT NULL,
  content          BLOB NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_error       TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  sent_at          INTEGER,
  caused_by        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_dispatch ON outbox(dispatch_number);

CREATE TABLE ascr_serials (
  serial       TEXT PRIMARY KEY,
  written      TEXT NOT NULL,
  model        TEXT NOT NULL DEFAULT '',
  imported_at  INTEGER NOT NULL
);

CREATE TABLE imap_position (
  mailbox      TEXT PRIMARY KEY,
  uidvalidity  INTEGER NOT NULL,
  last_uid     INTEGER NOT NULL
);
)SQL"},
      // A send the server accepted is marked sent in a transaction of its own, the moment the
      // 250 arrives; what follows from it (state, confirmation) comes after, and is redone at
      // the next start when a crash fell in between. Rows from before were already complete.
      {2, "outbox: effects of an accepted send applied separately", R"SQL(
ALTER TABLE outbox ADD COLUMN effects_done INTEGER NOT NULL DEFAULT 1;
)SQL"},
      // Each weekly digest slot the daemon has dealt with, sent or not (nothing open), so a
      // restart or a second run in the same week never sends it twice.
      {3, "weekly digest slots dealt with", R"SQL(
CREATE TABLE digest_runs (
  slot        INTEGER PRIMARY KEY,
  outbox_id   INTEGER REFERENCES outbox(id),
  recorded_at INTEGER NOT NULL
);
)SQL"},
      // An outbox row is claimed (pending -> sending) before its SMTP transaction, so no two
      // senders can both send it. SQLite cannot alter a CHECK constraint, so the table is
      // rebuilt rather than given a separate "claimed" column: one status column stays the one
      // truth, and every query that reads status = 'pending' stays right without knowing about
      // claims. digest_runs refers to outbox rows: its rows step aside while the old table is
      // dropped (foreign keys are on) and come back against the new one, ids unchanged.
      {4, "outbox: rows claimed (sending) before they are sent", R"SQL(
CREATE TABLE outbox_new (
  id               INTEGER PRIMARY KEY,
  kind             TEXT NOT NULL,
  dispatch_number  TEXT,
  message_id       TEXT NOT NULL UNIQUE,
  envelope_from    TEXT NOT NULL,
  recipients       TEXT NOT NULL,
  subject          TEXT NOT NULL,
  content          BLOB NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  INTEGER NOT NULL,
  last_error       TEXT NOT NULL DEFAULT '',
  created_at       INTEGER NOT NULL,
  sent_at          INTEGER,
  caused_by        TEXT NOT NULL DEFAULT '',
  effects_done     INTEGER NOT NULL DEFAULT 1
);
INSERT INTO outbox_new (id, kind, dispatch_number, message_id, envelope_from, recipients, subject,
                        content, status, attempts, next_attempt_at, last_error, created_at,
                        sent_at, caused_by, effects_done)
  SELECT id, kind, dispatch_number, message_id, envelope_from, recipients, subject, content,
         status, attempts, next_attempt_at, last_error, created_at, sent_at, caused_by,
         effects_done FROM outbox;
CREATE TEMP TABLE digest_runs_aside AS SELECT * FROM digest_runs;
DELETE FROM digest_runs;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
INSERT INTO digest_runs SELECT * FROM temp.digest_runs_aside;
DROP TABLE temp.digest_runs_aside;
CREATE INDEX outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX outbox_dispatch ON outbox(dispatch_number);
)SQL"},
      // The PDF CITS attached to a dispatch, kept so the close-out can send back that same form
      // with Section 2 filled in (closeout.attach_form). A later dispatch mail replaces it.
      {5, "the dispatch's own PDF form", R"SQL(
CREATE TABLE dispatch_forms (
  dispatch_number  TEXT PRIMARY KEY REFERENCES dispatches(number),
  filename         TEXT NOT NULL DEFAULT '',
  content          BLOB NOT NULL,
  received_at      INTEGER NOT NULL
);
)SQL"},
      // A Section 2 read by OCR waits for a person (state review): what approve re-checks and
      // reject answers is kept as the technician sent it, one row per reply held, and the row
      // stays after the decision (who decided what is history, like the events).
      {6, "Section 2 replies held for review", R"SQL(
CREATE TABLE reviews (
  id               INTEGER PRIMARY KEY,
  dispatch_number  TEXT NOT NULL REFERENCES dispatches(number),
  message_id       TEXT NOT NULL DEFAULT '',
  from_address     TEXT NOT NULL DEFAULT '',
  references_json  TEXT NOT NULL DEFAULT '[]',
  automatic_mark   TEXT NOT NULL DEFAULT '',
  raw_json         TEXT NOT NULL,
  sources_json     TEXT NOT NULL,
  attachments_json TEXT NOT NULL,
  received_at      INTEGER NOT NULL,
  decision         TEXT NOT NULL DEFAULT '',
  decided_at       INTEGER,
  decision_detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX reviews_dispatch ON reviews(dispatch_number, id);
)SQL"},
      // A mail's bytes in a table of their own, written once. In the outbox row, every status
      // change (claimed, sent, effects done) rewrote the whole record: a close-out with its
      // PDF is 31 KB, and each update wrote its 16 pages to the WAL again (BENCHMARKS.md).
      {7, "outbox: each mail's content apart from its status", R"SQL(
CREATE TABLE outbox_content (
  outbox_id  INTEGER PRIMARY KEY REFERENCES outbox(id),
  content    BLOB NOT NULL
);
INSERT INTO outbox_content (outbox_id, content) SELECT id, content FROM outbox;
ALTER TABLE outbox DROP COLUMN content;
)SQL"},
  };
  return list;
}

int latest_schema_version() { return migrations().back().version; }

int schema_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

void migrate(SQLite::Database& db) {
  if (schema_version(db) == latest_schema_version()) return;  // the usual case: no write lock
  for (const auto& m : migrations()) {
    WriteTransaction tx(db);
    // Read inside the write lock: a second process migrating at the same moment waits here
    // and then finds the work done.
    int current = schema_version(db);
    if (current > latest_schema_version())
      throw StoreError("the database " + db.getFilename() + " has schema version " +
                       std::to_string(current) + ", newer than this closeoutd knows (" +
                       std::to_string(latest_schema_version()) +
                       "); install the newer closeoutd again or restore a backup");
    if (current >= m.version) continue;
    db.exec(std::string(m.sql));
    db.exec("PRAGMA user_version = " + std::to_string(m.version));
    tx.commit();
  }
}

}  // namespace closeout::store
