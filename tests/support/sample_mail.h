// SPDX-License-Identifier: GPL-3.0-or-later
// Realistic CITS dispatches and technicians' replies, made to order for the workflow, end-to-end,
// crash and benchmark runs. Dates are passed in, so a test can use the real clock (closeoutd
// checks service dates against it) or a fixed day.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>

namespace closeout::testing {

inline std::string us_date(std::chrono::year_month_day d) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02u/%02u/%04d", static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()), static_cast<int>(d.year()));
  return buffer;
}

inline std::chrono::year_month_day days_before(std::chrono::year_month_day d, int days) {
  return std::chrono::sys_days(d) - std::chrono::days(days);
}

inline std::string cits_dispatch(const std::string& number, const std::string& serial,
                                 std::chrono::year_month_day dispatch_date,
                                 const std::string& message_id,
                                 const std::string& customer = "Lakeside Architects LLP") {
  return "From: CITS Service Dispatch <dispatch@cits.canon.com>\r\n"
         "To: dispatch@dealer.test\r\n"
         "Subject: Service Dispatch " +
         number + " - imagePROGRAF iPF685 - SN " + serial +
         "\r\n"
         "Date: Mon, 23 Nov 2026 09:14:00 -0500\r\n"
         "Message-ID: " +
         message_id +
         "\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=utf-8\r\n"
         "\r\n"
         "SERVICE DISPATCH FORM\r\n"
         "SECTION 1 - DISPATCH INFORMATION (completed by CITS)\r\n"
         "Dispatch Number: " +
         number +
         "\r\n"
         "Dispatch Date: " +
         us_date(dispatch_date) +
         "\r\n"
         "Service Provider: Acme Office Systems\r\n"
         "Model: imagePROGRAF iPF685\r\n"
         "Serial Number: " +
         serial +
         "\r\n"
         "Customer Name: " +
         customer +
         "\r\n"
         "Customer Address: 12 Harbor Rd, Ossining, NY 10562\r\n"
         "Contact Name: Dana Whitfield\r\n"
         "Contact Phone: (914) 555-0142\r\n"
         "Warranty Status: In Warranty\r\n"
         "Problem Description: Error E194-403a at power on.\r\n"
         "\r\n"
         "SECTION 2 - SERVICE COMPLETION (completed by Service Provider)\r\n"
         "Technician Name:\r\n"
         "Date of Service:\r\n";
}

struct ReplyHeaders {
  std::string from = "Mike Ross <mike.ross@dealer.test>";
  std::string message_id;
  std::string subject;
  std::string in_reply_to;  // empty: none
};

inline std::string technician_reply(const ReplyHeaders& h, const std::string& body) {
  std::string out = "From: " + h.from + "\r\nTo: Acme Service <dispatch@dealer.test>\r\n" +
                    "Subject: " + h.subject + "\r\nDate: Tue, 24 Nov 2026 17:48:31 -0500\r\n" +
                    "Message-ID: " + h.message_id + "\r\n";
  if (!h.in_reply_to.empty())
    out += "In-Reply-To: " + h.in_reply_to + "\r\nReferences: " + h.in_reply_to + "\r\n";
  out += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n";
  return out + body;
}

// A Section 2 that passes every rule; call_status "Completed" or "Pending".
inline std::string complete_section2(std::chrono::year_month_day service_date,
                                     const std::string& call_status = "Completed") {
  return "Technician Name: Mike Ross\r\n"
         "Date of Service: " +
         us_date(service_date) +
         "\r\n"
         "Arrival Time: 9:30 AM\r\n"
         "Completion Time: 11:15 AM\r\n"
         "Problem Found: Printhead contacts corroded\r\n"
         "Corrective Action: Cleaned contacts, replaced printhead\r\n"
         "Parts Used: QY6-0083 x1\r\n"
         "e-Tag Number: ET4471203\r\n"
         "Call Status: " +
         call_status + "\r\n\r\nThanks,\r\nMike\r\n";
}

// Three problems: the technician name is a placeholder, the date is missing, parts are absent.
inline std::string incomplete_section2() {
  return "Technician Name: TBD\r\n"
         "Arrival Time: 9:30 AM\r\n"
         "Completion Time: 11:15 AM\r\n"
         "Problem Found: Printhead contacts corroded\r\n"
         "Corrective Action: Cleaned contacts\r\n"
         "Call Status: Completed\r\n";
}

}  // namespace closeout::testing
