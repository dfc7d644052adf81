#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Delivery -> close-out accepted by Postfix, with closeoutd running as the service does.

closeoutd runs without --once, waiting with IDLE, against a private local mail stack
(scripts/mailstack). The bench first delivers 2 x REPLIES dispatches and waits until all their
notices have arrived, then delivers complete Section 2 replies one by one at RATE per second, in
two rounds on the same stack:

  append  REPLIES replies APPENDed over IMAPS to the dispatch mailbox: the reply is in the
          mailbox when APPEND's OK comes, so the figure is closeoutd's own time.
  smtp    REPLIES replies submitted through Postfix (STARTTLS + AUTH on one connection), as a
          technician's mail really arrives. Two figures: from the submission (Postfix's delivery
          into Dovecot included) and from the reply's arrival in the mailbox (Dovecot's save
          time): closeoutd's own time again.

"Accepted by Postfix" is when closeoutd's line "dispatch N ... closeout to ... accepted" reaches
this script (read from closeoutd's stderr as it is written; closeoutd flushes every line and
writes it after Postfix's 250 and the synced commit of the acceptance). Postfix's own log has
only whole seconds, too coarse here. When a message reached a mailbox is the time in its maildir
file name (Dovecot writes it in microseconds; a MOVE keeps it). All clocks are this host's.

    latency_bench.py BUILD_DIR [REPLIES=60] [RATE=2]

Target: p99 of closeoutd's own time (append, and smtp from delivery) at most 1 s. Exit 1 when
missed, or when a close-out is missing.
"""
import datetime
import email
import email.policy
import email.utils
import imaplib
import os
import re
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import threading
import time

from daemon_bench import start_stack, stop_stack, us

TARGET_P99_S = 1.0


def dispatch(n, i):
    today = datetime.date.today()
    return ("From: CITS Service Dispatch <dispatch@cits.canon.com>\r\nTo: bench@dealer.test\r\n"
            f"Subject: Service Dispatch {n} - imagePROGRAF iPF685 - SN AAB{i:05d}\r\n"
            f"Date: Mon, 23 Nov 2026 09:14:00 -0500\r\nMessage-ID: <latency.{n}@cits.canon.com>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"SERVICE DISPATCH FORM\r\nDispatch Number: {n}\r\n"
            f"Dispatch Date: {us(today - datetime.timedelta(days=2))}\r\n"
            f"Model: imagePROGRAF iPF685\r\nSerial Number: AAB{i:05d}\r\n"
            "Customer Name: Lakeside Architects LLP\r\nCustomer Address: 12 Harbor Rd, Ossining\r\n"
            "Problem Description: Error E194-403a at power on.\r\n")


def reply(n):
    serviced = us(datetime.date.today() - datetime.timedelta(days=1))
    return (f"From: Mike Ross <mike@dealer.test>\r\nTo: bench@dealer.test\r\n"
            f"Subject: Re: [CITS #{n}] Service Dispatch {n}\r\n"
            f"Date: {email.utils.formatdate(localtime=True)}\r\n"
            f"Message-ID: <latency.reply.{n}@dealer.test>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Technician Name: Mike Ross\r\nDate of Service: {serviced}\r\nArrival Time: 9:30 AM\r\n"
            "Completion Time: 11:15 AM\r\nProblem Found: Printhead contacts corroded\r\n"
            "Corrective Action: Replaced printhead\r\nParts Used: QY6-0083 x1\r\n"
            "e-Tag Number: ET4471203\r\nCall Status: Completed\r\n")


def imap_login(env, user):
    context = ssl.create_default_context(cafile=env["MAILSTACK_CA_FILE"])
    imap = imaplib.IMAP4_SSL("127.0.0.1", int(env["MAILSTACK_IMAPS_PORT"]), ssl_context=context)
    imap.login(user, open(env["MAILSTACK_PASSWORD_FILE"]).read().strip())
    return imap


def inbox_count(env, user):
    imap = imap_login(env, user)
    typ, data = imap.status("INBOX", "(MESSAGES)")
    imap.logout()
    return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))


def wait_for(what, test, timeout):
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            sys.exit(f"bench: timed out waiting for {what}")
        time.sleep(0.2)


PROCESSED = re.compile(r"dispatch (\d+) message <latency\.reply\.\d+@dealer\.test> \(uid ")
ACCEPTED = re.compile(r"dispatch (\d+) message \S+ outbox \d+: closeout to \S+ accepted")


def saved_times(maildir):
    """Message-ID -> when Dovecot saved the message: its maildir file name holds the time in
    microseconds, and keeps it when closeoutd moves the message to another folder."""
    saved = {}
    name = re.compile(r"^(\d+)\.M(\d+)P")
    for folder, _, files in os.walk(maildir):
        if os.path.basename(folder) not in ("new", "cur"):
            continue
        for f in files:
            m = name.match(f)
            if not m:
                continue
            with open(os.path.join(folder, f), "rb") as mail:
                headers = email.message_from_binary_file(mail, policy=email.policy.default)
            saved[str(headers["Message-ID"]).strip()] = int(m.group(1)) + int(m.group(2)) / 1e6
    return saved


def closeouts_saved(maildir):
    """Dispatch number -> when the close-out was saved in the close-out mailbox."""
    saved = {}
    name = re.compile(r"^(\d+)\.M(\d+)P")
    for folder, _, files in os.walk(maildir):
        for f in files:
            m = name.match(f)
            if m and os.path.basename(folder) in ("new", "cur"):
                with open(os.path.join(folder, f), "rb") as mail:
                    headers = email.message_from_binary_file(mail, policy=email.policy.default)
                number = re.search(r"\b(70\d{8})\b", str(headers["Subject"])).group(1)
                saved[number] = int(m.group(1)) + int(m.group(2)) / 1e6
    return saved


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(name, values):
    return (f"{name}: n={len(values)} p50 {percentile(values, 50) * 1000:.0f} ms, "
            f"p99 {percentile(values, 99) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms")


def paced(items, rate, send):
    """Calls send(item) at a steady RATE; returns item -> wall time just before each send."""
    started = time.monotonic()
    sent = {}
    for i, item in enumerate(items):
        delay = started + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent[item] = time.time()
        send(item)
    return sent


def write_config(work, env):
    config = os.path.join(work, "closeoutd.toml")
    with open(config, "w") as f:
        f.write(f"""[imap]
url = "imaps://127.0.0.1:{env['MAILSTACK_IMAPS_PORT']}/INBOX"
username = "bench@dealer.test"
password_file = "{env['MAILSTACK_PASSWORD_FILE']}"
ca_file = "{env['MAILSTACK_CA_FILE']}"
idle = true
[smtp]
url = "smtp://127.0.0.1:{env['MAILSTACK_SMTP_PORT']}"
username = "service@dealer.test"
password_file = "{env['MAILSTACK_PASSWORD_FILE']}"
ca_file = "{env['MAILSTACK_CA_FILE']}"
from = "Acme Service <service@dealer.test>"
[cits]
closeout_address = "closeout@closeout.test"
[dealer]
name = "Acme Office Systems"
technicians = ["*@dealer.test"]
notify = ["techs@dealer.test"]
admins = ["manager@dealer.test"]
[store]
path = "{work}/closeoutd.db"
[log]
level = "info"
""")
    return config


def main():
    build = sys.argv[1]
    replies = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    rate = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
    root = tempfile.mkdtemp(prefix="closeoutd-latency.")
    os.chmod(root, 0o755)  # Postfix and Dovecot drop to their own users and must get in
    work = os.path.join(root, "stack")
    proc = None
    try:
        _, env = start_stack(work)
        config = write_config(work, env)
        closeoutd = os.path.join(build, "daemon", "closeoutd")
        proc = subprocess.Popen([closeoutd, "--config", config], stderr=subprocess.PIPE, text=True)
        accepted, processed = {}, {}
        ready = threading.Event()

        def read_log():
            for line in proc.stderr:
                if "waiting with IDLE" in line:
                    ready.set()
                m = ACCEPTED.search(line)
                if m:
                    accepted.setdefault(m.group(1), time.time())
                m = PROCESSED.search(line)
                if m:
                    processed.setdefault(m.group(1), time.time())
                if " error " in line or " critical " in line:
                    print("closeoutd: " + line.rstrip(), file=sys.stderr)

        threading.Thread(target=read_log, daemon=True).start()
        if not ready.wait(30):
            sys.exit("bench: closeoutd did not start waiting with IDLE within 30 s")
        ok = run(env, work, replies, rate, proc, accepted, processed)
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        stop_stack(work)
        subprocess.run(["rm", "-rf", root])
    if not ok:
        sys.exit("bench: a target is missed")


def run(env, work, replies, rate, proc, accepted, processed):
    numbers = [str(7070000000 + i) for i in range(2 * replies)]
    by_append, by_smtp = numbers[:replies], numbers[replies:]
    print(f"delivering {len(numbers)} dispatches; waiting for their notices ...", flush=True)
    imap = imap_login(env, "bench@dealer.test")
    for i, n in enumerate(numbers):
        imap.append("INBOX", None, None, dispatch(n, i).encode())
    wait_for("the notices", lambda: inbox_count(env, "techs@dealer.test") >= len(numbers), 120)
    time.sleep(1)  # the notices' flush and the sync after it are over

    print(f"append: {replies} replies at {rate:g}/s over IMAPS APPEND ...", flush=True)
    appended = paced(by_append, rate,
                     lambda n: imap.append("INBOX", None, None, reply(n).encode()))
    imap.logout()
    time.sleep(2)

    print(f"smtp: {replies} replies at {rate:g}/s through Postfix submission ...", flush=True)
    context = ssl.create_default_context(cafile=env["MAILSTACK_CA_FILE"])
    smtp = smtplib.SMTP("127.0.0.1", int(env["MAILSTACK_SMTP_PORT"]))
    smtp.starttls(context=context)
    smtp.login("mike@dealer.test", open(env["MAILSTACK_PASSWORD_FILE"]).read().strip())
    submitted = paced(by_smtp, rate, lambda n: smtp.sendmail(
        "mike@dealer.test", ["bench@dealer.test"], reply(n).encode()))
    smtp.quit()

    wait_for("every close-out accepted", lambda: len(accepted) >= len(numbers), 60)
    if proc.poll() is not None:
        sys.exit(f"closeoutd exited {proc.returncode}")
    mail = os.path.join(work, "mail")
    saved = saved_times(os.path.join(mail, "dealer.test", "bench", "Maildir"))
    wait_for("the close-outs in the close-out mailbox",
             lambda: inbox_count(env, "closeout@closeout.test") >= len(numbers), 30)
    arrived = closeouts_saved(os.path.join(mail, "closeout.test", "closeout", "Maildir"))

    own_append = [accepted[n] - appended[n] for n in by_append]
    delivered = {n: saved[f"<latency.reply.{n}@dealer.test>"] for n in by_smtp}
    postfix_in = [delivered[n] - submitted[n] for n in by_smtp]
    own_smtp = [accepted[n] - delivered[n] for n in by_smtp]
    e2e_smtp = [accepted[n] - submitted[n] for n in by_smtp]
    postfix_out = [arrived[n] - accepted[n] for n in numbers]
    in_mailbox = dict(appended, **delivered)
    seen = [processed[n] - in_mailbox[n] for n in numbers]
    sent = [accepted[n] - processed[n] for n in numbers]
    print(summary("both:   in the mailbox -> reply recorded        ", seen))
    print(summary("both:   reply recorded -> close-out accepted    ", sent))
    print(summary("append: APPEND sent -> close-out accepted       ", own_append))
    print(summary("smtp:   submitted -> reply saved in the mailbox ", postfix_in))
    print(summary("smtp:   reply saved -> close-out accepted       ", own_smtp))
    print(summary("smtp:   submitted -> close-out accepted         ", e2e_smtp))
    print(summary("both:   close-out accepted -> in Canon's mailbox", postfix_out))
    slowest = sorted(numbers, key=lambda n: accepted[n] - in_mailbox[n])[-3:]
    print("slowest: " + "; ".join(
        f"{n} {(accepted[n] - in_mailbox[n]) * 1000:.0f} ms (recorded after "
        f"{(processed[n] - in_mailbox[n]) * 1000:.0f} ms)" for n in slowest))
    p99 = max(percentile(own_append, 99), percentile(own_smtp, 99))
    print(f"target: p99 of closeoutd's own time at most {TARGET_P99_S:g} s: "
          f"{'met' if p99 <= TARGET_P99_S else 'MISSED'} ({p99 * 1000:.0f} ms)")
    return p99 <= TARGET_P99_S


if __name__ == "__main__":
    main()
