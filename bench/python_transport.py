#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Minimal Python clients for the transport benchmark: imaplib fetching the "Bench" folder with
one bare UID FETCH 1:* BODY.PEEK[], and smtplib sending N messages on one connection.
Prints "<what>: <count> in <seconds> s = <rate> msg/s" like transport_bench."""
import imaplib, smtplib, ssl, sys, time

env = dict(line.strip().split("=", 1) for line in open(sys.argv[1]) if "=" in line)
password = open(env["MAILSTACK_PASSWORD_FILE"]).read().strip()
ctx = ssl.create_default_context(cafile=env["MAILSTACK_CA_FILE"])
what = sys.argv[2]
start = time.perf_counter()
if what == "imap-fetch":
    m = imaplib.IMAP4_SSL("127.0.0.1", int(env["MAILSTACK_IMAPS_PORT"]), ssl_context=ctx)
    m.login("bench@dealer.test", password)
    m.select("Bench")
    typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
    count = sum(1 for d in data if isinstance(d, tuple))
    m.logout()
else:
    n = int(sys.argv[3])
    body = "".join("Service Dispatch 70123%d line of text.\r\n" % 0 for _ in range(60))
    s = smtplib.SMTP("127.0.0.1", int(env["MAILSTACK_SMTP_PORT"]))
    s.starttls(context=ctx)
    s.login("service@dealer.test", password)
    count = 0
    for i in range(n):
        msg = ("From: Acme Service <service@dealer.test>\r\nTo: closeout@closeout.test\r\n"
               "Subject: Close-out %d\r\nMessage-ID: <py-send%d@dealer.test>\r\n\r\n%s" % (i, i, body))
        s.sendmail("service@dealer.test", ["closeout@closeout.test"], msg)
        count += 1
    s.quit()
seconds = time.perf_counter() - start
print("%s (python): %d in %.3f s = %.0f msg/s" % (what, count, seconds, count / seconds))
