#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Many dealers on one host: N closeoutd instances, each idle on IDLE, against the local mail stack.

Each instance is a plain process (no supervisor) with what closeoutd@.service gives it: its own
configuration, state directory, credentials directory (CREDENTIALS_DIRECTORY) and mailbox
(dealerNN@dealer.test), and a notify socket with a watchdog, as Type=notify and WatchdogSec=60s.

    instances_bench.py BUILD_DIR [INSTANCES] [IDLE_SECONDS]      (default 50 instances, 60 s)

1. Memory, once every instance has logged in and waits with IDLE: the proportional set size
   (Pss from /proc/PID/smaps_rollup) of each. PSS charges each shared page (the binary's text,
   libcurl, OpenSSL, SQLite...) to the processes that map it in equal parts, so the sum of the
   instances' PSS is what they cost the host together. Rss would count those pages once per
   instance; the private (unshared) part is printed too.
2. Idle CPU over IDLE_SECONDS: context switches (voluntary + nonvoluntary, /proc/PID/status;
   each is the process going to sleep or being preempted, so a wake-up) and CPU ticks
   (utime + stime, /proc/PID/stat), per instance, scaled to a minute.
3. One dispatch delivered to every mailbox on one LMTP connection (as Postfix hands mail to
   Dovecot), then the time until all N dispatch notices have been accepted by Postfix (the
   outbox row is "sent" only after the server's 250).

Targets: mean PSS at most 8 MB per instance (issue 14); idle, at most 20 wake-ups (one per 3 s,
two of them the watchdog's) and 100 ms of CPU per minute per instance (this bench's own); all notices accepted within 10 s. Exit 1 when one is missed.
"""
import datetime
import os
import smtplib
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from daemon_bench import start_stack, stop_stack

TARGET_PSS_MB = 8.0
TARGET_WAKEUPS = 20.0
TARGET_CPU_MS = 100.0
TARGET_ALL_NOTICES_S = 10.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def dispatch(i):
    today = datetime.date.today()
    n = str(7070000000 + i)
    day = (today - datetime.timedelta(days=1)).strftime("%m/%d/%Y")
    return n, ("From: CITS Service Dispatch <dispatch@cits.canon.com>\r\n"
               f"To: dealer{i:02d}@dealer.test\r\n"
               f"Subject: Service Dispatch {n} - imagePROGRAF iPF685 - SN AAB{i:05d}\r\n"
               f"Date: Mon, 23 Nov 2026 09:14:00 -0500\r\nMessage-ID: <instances.{n}@cits.canon.com>\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n\r\n"
               f"SERVICE DISPATCH FORM\r\nDispatch Number: {n}\r\nDispatch Date: {day}\r\n"
               f"Model: imagePROGRAF iPF685\r\nSerial Number: AAB{i:05d}\r\n"
               "Customer Name: Lakeside Architects LLP\r\nCustomer Address: 12 Harbor Rd, Ossining\r\n"
               "Problem Description: Error E194-403a at power on.\r\n")


def write_instance(root, i, env):
    """The files closeoutd@dealerNN.service would see: config, state dir, credentials."""
    name = f"dealer{i:02d}"
    base = os.path.join(root, name)
    for d in ("state", "credentials"):
        os.makedirs(os.path.join(base, d), exist_ok=True)
    password = open(env["MAILSTACK_PASSWORD_FILE"]).read()
    for cred in ("imap.pass", "smtp.pass"):
        path = os.path.join(base, "credentials", cred)
        with open(path, "w") as f:
            f.write(password)
        os.chmod(path, 0o400)
    config = os.path.join(base, f"{name}.toml")
    with open(config, "w") as f:
        f.write(f"""[imap]
url = "imaps://127.0.0.1:{env['MAILSTACK_IMAPS_PORT']}/INBOX"
username = "{name}@dealer.test"
password_file = "imap.pass"
ca_file = "{env['MAILSTACK_CA_FILE']}"
[smtp]
url = "smtp://127.0.0.1:{env['MAILSTACK_SMTP_PORT']}"
username = "{name}@dealer.test"
password_file = "smtp.pass"
ca_file = "{env['MAILSTACK_CA_FILE']}"
from = "Dealer {i:02d} Service <{name}@dealer.test>"
[cits]
closeout_address = "closeout@closeout.test"
[dealer]
name = "Dealer {i:02d}"
technicians = ["*@dealer.test"]
notify = ["techs-{name}@dealer.test"]
admins = ["manager-{name}@dealer.test"]
[store]
path = "{base}/state/closeoutd.db"
[log]
level = "info"
""")
    return name, base, config


class NotifySocket:
    """The service manager's end of sd_notify for every instance: counts READY=1 and WATCHDOG=1."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.ready, self.pings = 0, 0
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            text = self.sock.recv(4096).decode(errors="replace")
            if "WATCHDOG=1" in text:
                self.pings += 1
            if "READY=1" in text:
                self.ready += 1


def smaps(pid):
    fields = {}
    for line in open(f"/proc/{pid}/smaps_rollup"):
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
            fields[parts[0][:-1]] = int(parts[1])
    return fields


def heap_kb(pid):
    """Rss of the [heap] mapping: malloc's main arena (SQLite's cache, spdlog, OpenSSL, curl)."""
    lines, total = open(f"/proc/{pid}/smaps").read().splitlines(), 0
    for k, line in enumerate(lines):
        if line.endswith("[heap]"):
            total += int(next(l.split()[1] for l in lines[k + 1:] if l.startswith("Rss:")))
    return total


def activity(pid):
    switches = 0
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
            switches += int(line.split()[1])
    stat = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = int(stat[11]) + int(stat[12])  # utime, stime (fields 14 and 15)
    return switches, ticks


def wait_until(what, limit, ok):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if ok():
            return
        time.sleep(0.2)
    sys.exit(f"bench: {what} not within {limit} s")


def main():
    build = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    idle_s = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
    root = tempfile.mkdtemp(prefix="closeoutd-instances.")
    os.chmod(root, 0o755)  # Postfix and Dovecot drop to their own users and must get in
    stack = os.path.join(root, "stack")
    procs, missed = [], []
    try:
        _, env = start_stack(stack)
        missed = run(build, count, idle_s, root, env, procs)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        stop_stack(stack)
        subprocess.run(["rm", "-rf", root])
    if missed:
        sys.exit("bench: target missed: " + ", ".join(missed))


def run(build, count, idle_s, root, env, procs):
    closeoutd = os.path.join(os.path.abspath(build), "daemon", "closeoutd")
    notify = NotifySocket(os.path.join(root, "notify"))
    instances = []
    started = time.monotonic()
    for i in range(1, count + 1):
        name, base, config = write_instance(root, i, env)
        penv = {"PATH": "/usr/bin:/bin", "CREDENTIALS_DIRECTORY": os.path.join(base, "credentials"),
                "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "60000000"}
        with open(os.path.join(base, "stderr"), "w") as err:
            procs.append(subprocess.Popen([closeoutd, "--config", config], cwd=os.path.join(base, "state"),
                                          env=penv, stdout=subprocess.DEVNULL, stderr=err))
        instances.append((name, base))

    def idle_count():
        n = 0
        for (_, base), p in zip(instances, procs):
            if p.poll() is not None:
                sys.exit(f"bench: {base} exited {p.returncode}:\n" + open(os.path.join(base, "stderr")).read())
            n += "waiting with IDLE" in open(os.path.join(base, "stderr")).read()
        return n
    wait_until(f"{count} instances waiting with IDLE", 120, lambda: idle_count() == count)
    print(f"{count} instances started and waiting with IDLE after {time.monotonic() - started:.1f} s "
          f"({notify.ready} READY=1 on the notify socket)", flush=True)
    time.sleep(5)  # let start-up work (folder creation, first outbox pass) finish

    mem = [smaps(p.pid) for p in procs]
    pss = [m["Pss"] / 1024 for m in mem]
    rss = [m["Rss"] / 1024 for m in mem]
    uss = [(m["Private_Clean"] + m["Private_Dirty"]) / 1024 for m in mem]
    anon = [m["Anonymous"] / 1024 for m in mem]
    heap = [heap_kb(p.pid) / 1024 for p in procs]
    threads = [int(next(l.split()[1] for l in open(f"/proc/{p.pid}/status") if l.startswith("Threads:")))
               for p in procs]
    print(f"idle memory per instance (MB): PSS mean {statistics.mean(pss):.2f} max {max(pss):.2f} "
          f"(sum {sum(pss):.0f} MB for {count}); RSS mean {statistics.mean(rss):.2f}; "
          f"private {statistics.mean(uss):.2f}; anonymous {statistics.mean(anon):.2f}, "
          f"of which heap {statistics.mean(heap):.2f}; "
          f"threads {max(threads)} (target: PSS at most {TARGET_PSS_MB:.0f} MB)", flush=True)

    before = [activity(p.pid) for p in procs]
    pings_before = notify.pings
    t0 = time.monotonic()
    time.sleep(idle_s)
    after = [activity(p.pid) for p in procs]
    minutes = (time.monotonic() - t0) / 60
    wakeups = [(a[0] - b[0]) / minutes for a, b in zip(after, before)]
    cpu_ms = [(a[1] - b[1]) * 1000 / CLK_TCK / minutes for a, b in zip(after, before)]
    print(f"idle over {idle_s:.0f} s, per instance per minute: wake-ups mean {statistics.mean(wakeups):.1f} "
          f"max {max(wakeups):.1f}; CPU mean {statistics.mean(cpu_ms):.1f} ms max {max(cpu_ms):.1f} ms; "
          f"watchdog pings {(notify.pings - pings_before) / count / minutes:.1f} "
          f"(target: at most {TARGET_WAKEUPS:.0f} wake-ups and {TARGET_CPU_MS:.0f} ms)", flush=True)

    dbs = [sqlite3.connect(f"file:{base}/state/closeoutd.db?mode=ro", uri=True) for _, base in instances]
    messages = [dispatch(i)[1] for i in range(1, count + 1)]
    lmtp = smtplib.LMTP(os.path.join(env["MAILSTACK_DIR"], "run", "lmtp"))
    lmtp.ehlo("bench")
    t0 = time.monotonic()
    for i, message in enumerate(messages, 1):
        lmtp.sendmail("dispatch@cits.canon.com", [f"dealer{i:02d}@dealer.test"], message.encode())
    delivered = time.monotonic() - t0
    lmtp.quit()
    done = {}
    while len(done) < count and time.monotonic() - t0 < 60:
        for k, db in enumerate(dbs):
            if k not in done and db.execute("SELECT count(*) FROM outbox WHERE status = 'sent'").fetchone()[0]:
                done[k] = time.monotonic() - t0
        time.sleep(0.02)
    if len(done) < count:
        sys.exit(f"bench: only {len(done)} of {count} notices accepted within 60 s")
    took = sorted(done.values())
    print(f"one dispatch to each of {count} mailboxes (delivered over LMTP in {delivered:.2f} s): "
          f"all {count} notices accepted by Postfix {took[-1]:.2f} s after the first delivery; "
          f"first {took[0]:.2f} s, median {statistics.median(took):.2f} s "
          f"(target: at most {TARGET_ALL_NOTICES_S:.0f} s)", flush=True)

    missed = []
    if statistics.mean(pss) > TARGET_PSS_MB:
        missed.append("idle PSS")
    if statistics.mean(wakeups) > TARGET_WAKEUPS or statistics.mean(cpu_ms) > TARGET_CPU_MS:
        missed.append("idle CPU")
    if took[-1] > TARGET_ALL_NOTICES_S:
        missed.append("time for all notices")
    return missed


if __name__ == "__main__":
    main()
