// SPDX-License-Identifier: GPL-3.0-or-later
// Section 2 validation, field by field. Each check_* function owns one field's rule and writes
// the value it read into the result whether or not it passed, so the admin sees what was sent.
#include "section2_rules.h"

#include <cmath>

#include "text_util.h"

namespace closeout {
namespace {

constexpr std::size_t kQuoteBytes = 80;  // how much of a bad value an answer quotes back

class Checker {
 public:
  Checker(const RawFields& raw, const DispatchFacts& facts, std::chrono::year_month_day today,
          const FormDefinition& form)
      : raw_(raw), facts_(facts), today_(today), form_(form) {}

  Section2Check run();

 private:
  enum class State { absent, placeholder, present };

  State state(const std::string& key) const;
  std::string value(const std::string& key) const;  // one line, trimmed
  std::string label(const std::string& key) const;
  std::string hint(const std::string& key) const;
  void put(const std::string& key, FieldValue v) { out_.fields.push_back({key, std::move(v)}); }
  void problem(const std::string& key, const std::string& code, const std::string& message) {
    out_.problems.push_back({key, code, message});
  }
  // missing or placeholder; true when the field has a usable value.
  bool require(const std::string& key);
  std::string quoted(const std::string& key) const {
    return "\"" + truncate_utf8(value(key), kQuoteBytes) + "\"";
  }

  void check_dispatch_number();
  void check_serial_number();
  void check_text(const std::string& key);
  void check_service_date();
  std::optional<int> check_time(const std::string& key, bool required);
  void check_times_and_hours();
  bool check_parts();  // true when parts were used
  void check_etag(bool parts_used);
  void check_optional(const std::string& key);
  void check_call_status();
  void check_extra_fields();

  const RawFields& raw_;
  const DispatchFacts& facts_;
  std::chrono::year_month_day today_;
  const FormDefinition& form_;
  Section2Check out_;
};

Checker::State Checker::state(const std::string& key) const {
  const std::string* v = raw_.get(key);
  if (!v || trim(*v).empty()) return State::absent;
  return form_.is_placeholder(*v) ? State::placeholder : State::present;
}

std::string Checker::value(const std::string& key) const {
  const std::string* v = raw_.get(key);
  return v ? collapse_spaces(*v) : std::string();
}

std::string Checker::label(const std::string& key) const {
  const FieldSpec* f = form_.field(key);
  return f ? f->label : key;
}

std::string Checker::hint(const std::string& key) const {
  const FieldSpec* f = form_.field(key);
  return f ? f->hint : "a value";
}

bool Checker::require(const std::string& key) {
  switch (state(key)) {
    case State::absent:
      problem(key, "missing", label(key) + " is missing: write " + hint(key) + ".");
      return false;
    case State::placeholder:
      put(key, value(key));
      problem(key, "placeholder",
              label(key) + " says " + quoted(key) + ", which is not an answer: write " + hint(key) +
                  ".");
      return false;
    case State::present:
      return true;
  }
  return false;
}

void Checker::check_dispatch_number() {
  const std::string key = "dispatch_number";
  std::optional<std::string> body;
  if (state(key) == State::present) {
    body = form_.read_dispatch_number(value(key));
    if (!body) {
      problem(key, "invalid",
              "Dispatch Number " + quoted(key) + " is not a CITS dispatch number: write " +
                  hint(key) + ".");
    }
  } else if (state(key) == State::placeholder && !facts_.tag_number && !facts_.subject_number) {
    problem(
        key, "placeholder",
        label(key) + " says " + quoted(key) + ", which is not an answer: write " + hint(key) + ".");
  }
  if (facts_.tag_number && body && *body != *facts_.tag_number) {
    problem(key, "mismatch",
            label(key) + " " + *body + " in your reply does not match dispatch " +
                *facts_.tag_number + ", which this reply is about: check the number.");
  }
  std::optional<std::string> resolved = facts_.tag_number;
  if (!resolved) resolved = body;
  if (!resolved) resolved = facts_.subject_number;
  if (!resolved) resolved = facts_.history_number;
  if (resolved) {
    put(key, *resolved);
  } else if (state(key) == State::absent) {
    problem(key, "missing", label(key) + " is missing: write " + hint(key) + ".");
  } else {
    put(key, value(key));
  }
}

void Checker::check_serial_number() {
  const std::string key = "serial_number";
  if (state(key) != State::present) return;  // optional: only a given value is checked
  put(key, value(key));
  if (facts_.serial_number && !same_serial(value(key), *facts_.serial_number)) {
    problem(key, "mismatch",
            label(key) + " " + quoted(key) + " does not match the dispatch's serial number " +
                *facts_.serial_number + ": check the unit's serial plate.");
  }
}

void Checker::check_text(const std::string& key) {
  if (require(key)) put(key, value(key));
}

void Checker::check_service_date() {
  const std::string key = "service_date";
  if (!require(key)) return;
  auto date = parse_date(value(key));
  if (!date) {
    put(key, value(key));
    problem(
        key, "invalid",
        label(key) + " " + quoted(key) + " is not a date I can read: write it like 11/24/2026.");
    return;
  }
  put(key, iso_date(*date));
  if (facts_.dispatch_date && *date < *facts_.dispatch_date) {
    problem(key, "invalid",
            label(key) + " " + iso_date(*date) + " is before the dispatch date " +
                iso_date(*facts_.dispatch_date) + ": check the date you were on site.");
  } else if (*date > today_) {
    problem(key, "invalid",
            label(key) + " " + iso_date(*date) + " is in the future (it is " + iso_date(today_) +
                " at the latest, in any time zone): write the date you were on site.");
  }
}

std::optional<int> Checker::check_time(const std::string& key, bool required) {
  if (required && !require(key)) return std::nullopt;
  if (!required && state(key) != State::present) return std::nullopt;
  auto t = parse_time_of_day(value(key));
  if (!t) {
    put(key, value(key));
    problem(key, "invalid",
            label(key) + " " + quoted(key) +
                " is not a time I can read: write it like 9:30 AM or 14:30.");
    return std::nullopt;
  }
  put(key, hh_mm(*t));
  return t;
}

void Checker::check_times_and_hours() {
  const bool hours_given = state("labor_hours") == State::present;
  auto arrival = check_time("arrival_time", true);
  // Completion may be left out when labour hours are given. Times are compared only when both
  // read, so a bad arrival time is reported once, not again as a completion-time problem.
  auto completion = check_time("completion_time", !hours_given);
  if (arrival && completion && *completion <= *arrival) {
    problem("completion_time", "invalid",
            label("completion_time") + " " + hh_mm(*completion) + " is not after " +
                label("arrival_time") + " " + hh_mm(*arrival) + ": check both times.");
    completion.reset();
  }
  if (hours_given) {
    auto h = parse_hours(value("labor_hours"));
    if (!h) {
      put("labor_hours", value("labor_hours"));
      problem("labor_hours", "invalid",
              label("labor_hours") + " " + quoted("labor_hours") +
                  " is not a number of hours: write it like 1.5.");
    } else if (*h <= 0 || *h > 24) {
      put("labor_hours", *h);
      problem("labor_hours", "invalid",
              label("labor_hours") + " " + quoted("labor_hours") +
                  " must be more than 0 and at most 24 hours.");
    } else {
      put("labor_hours", *h);
    }
  } else if (arrival && completion) {
    put("labor_hours", std::round((*completion - *arrival) / 60.0 * 100.0) / 100.0);
  }
}

bool Checker::check_parts() {
  const std::string key = "parts_used";
  const std::string* raw = raw_.get(key);
  if (raw && form_.means_no_parts(*raw)) {
    put(key, std::vector<Part>{});
    return false;
  }
  if (!require(key)) return false;
  PartsList list = parse_parts(*raw, form_);
  if (!list.unreadable.empty()) {
    put(key, value(key));
    std::string which;
    for (const auto& u : list.unreadable) which += (which.empty() ? "\"" : ", \"") + u + "\"";
    problem(key, "invalid",
            label(key) + ": could not read " + which + ": write " + hint(key) + ".");
    return !list.parts.empty();
  }
  put(key, list.parts);
  return !list.parts.empty();
}

void Checker::check_etag(bool parts_used) {
  if (state("etag_number") == State::present) {
    put("etag_number", value("etag_number"));
  } else if (parts_used) {
    out_.warnings.push_back({"etag_number", "missing",
                             "Parts were used but no " + label("etag_number") + " was given: add " +
                                 hint("etag_number") + " if there is one."});
  }
}

void Checker::check_optional(const std::string& key) {
  if (state(key) == State::present) put(key, value(key));
}

void Checker::check_call_status() {
  const std::string key = "call_status";
  if (!require(key)) return;
  const ChoiceReading reading = form_.read_call_status(value(key));
  if (!reading.choice) {
    put(key, value(key));
    problem(key, "invalid",
            label(key) + " " + quoted(key) +
                (reading.ambiguous ? " says both Completed and Pending: write one of them ("
                                   : " is not one of: Completed, Pending (") +
                hint(key) + ").");
    return;
  }
  const CallStatus status = *reading.choice == 0 ? CallStatus::completed : CallStatus::pending;
  out_.call_status = status;
  put(key, std::string(status == CallStatus::completed ? "completed" : "pending"));
}

// Fields an admin added to the form definition have no rules here; they are passed on as text.
void Checker::check_extra_fields() {
  static const std::vector<std::string> known = {
      "dispatch_number", "serial_number", "technician_name", "service_date",      "arrival_time",
      "completion_time", "labor_hours",   "problem_found",   "corrective_action", "parts_used",
      "etag_number",     "meter_reading", "call_status"};
  for (const auto& f : form_.fields()) {
    if (!f.in_section2 || std::find(known.begin(), known.end(), f.key) != known.end()) continue;
    check_optional(f.key);
  }
}

Section2Check Checker::run() {
  check_dispatch_number();
  check_serial_number();
  check_text("technician_name");
  check_service_date();
  check_times_and_hours();
  check_text("problem_found");
  check_text("corrective_action");
  check_etag(check_parts());
  check_optional("meter_reading");
  check_call_status();
  check_extra_fields();
  // Present the fields in the form's order, whatever order the rules ran in.
  std::vector<Field> ordered;
  for (const auto& spec : form_.fields()) {
    if (const Field* f = find_field(out_.fields, spec.key)) ordered.push_back(*f);
  }
  out_.fields = std::move(ordered);
  return std::move(out_);
}

}  // namespace

bool same_serial(std::string_view a, std::string_view b) {
  auto norm = [](std::string_view s) {
    std::string out = to_upper_ascii(s);
    std::erase_if(out, [](char c) { return c == ' ' || c == '\t'; });
    return out;
  };
  return norm(a) == norm(b);
}

Section2Check check_section2(const RawFields& raw, const DispatchFacts& facts,
                             std::chrono::year_month_day today, const FormDefinition& form) {
  return Checker(raw, facts, today, form).run();
}

}  // namespace closeout
