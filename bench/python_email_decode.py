#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Baseline: Python's email module merely decoding the same corpus (parse, then decode every
text part's content), timed like parse_bench: files loaded first, one thread.

usage: python_email_decode.py CORPUS_DIR [SECONDS]
"""
import email
import email.policy
import os
import sys
import time


def main():
    corpus = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    messages = []
    for name in sorted(os.listdir(corpus)):
        with open(os.path.join(corpus, name), "rb") as f:
            messages.append(f.read())
    done = 0
    chars = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for raw in messages:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            for part in msg.walk():
                if part.get_content_maintype() == "text":
                    chars += len(part.get_content())
            done += 1
    elapsed = time.perf_counter() - start
    print("python email: %d messages in %.2f s = %.0f msg/s (%d chars decoded)"
          % (done, elapsed, done / elapsed, chars))


if __name__ == "__main__":
    main()
