#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the benchmark's mixed corpus: N messages built from the sample mail in
tests/data/mail (every kind: dispatches in text and HTML, replies from each client,
auto-replies, bounces, newsletters), each renumbered and, for replies, given a longer
quoted history, so sizes spread from 1 to about 30 KB as in a real mailbox.
Deterministic: the same N gives the same files.

usage: make_corpus.py OUT_DIR [N]
"""
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLES = os.path.join(HERE, "..", "tests", "data", "mail")


def main():
    out_dir = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(20261124)
    samples = []
    for name in sorted(os.listdir(SAMPLES)):
        if name.endswith(".eml"):
            with open(os.path.join(SAMPLES, name), "rb") as f:
                samples.append((name, f.read()))
    os.makedirs(out_dir, exist_ok=True)
    history = b"> Earlier thread text kept by the mail client, line %d of the history.\n"
    for i in range(count):
        name, data = samples[i % len(samples)]
        number = b"70%08d" % (12345678 + i)
        data = data.replace(b"7012345678", number)
        if name.startswith("reply-") and b"Content-Transfer-Encoding" not in data.split(b"\n\n", 1)[0]:
            # Replies carry whole threads below the answer; make some of them long.
            lines = rng.choice([0, 0, 20, 80, 300])
            data += b"".join(history % n for n in range(lines))
        with open(os.path.join(out_dir, "%05d-%s" % (i, name)), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
