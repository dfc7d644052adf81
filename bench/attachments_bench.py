#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Attachment helper throughput and peak memory per kind: runs closeout-extract once per sample
file under tests/data/attachments/*/ (every kind present), ROUNDS times each, and reports wall
time, CPU time and peak resident memory (the child's ru_maxrss from wait4) per file and kind.

  attachments_bench.py CLOSEOUT_EXTRACT [ROUNDS=3] [--omp-threads N]

With --omp-threads N the helper runs with OMP_THREAD_LIMIT=N (tesseract's OpenMP threads);
without it, with the environment as given. The helper runs under the address-space limit the
daemon sets by default ([limits] extract_memory = 512 MiB)."""
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

KINDS = {".pdf": "pdf", ".docx": "docx", ".docm": "docx", ".png": "image", ".jpg": "image",
         ".jpeg": "image", ".tif": "image", ".tiff": "image", ".dat": "tnef"}
EXTRACT_MEMORY = 512 * 1024 * 1024


def run_once(helper, kind, path, env):
    with open(path, "rb") as data:
        def limit():
            resource.setrlimit(resource.RLIMIT_AS, (EXTRACT_MEMORY, EXTRACT_MEMORY))
        started = time.monotonic()
        child = subprocess.Popen([helper, "read", "--kind", kind, "--filename", path.name],
                                 stdin=data, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                 env=env, preexec_fn=limit)
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - started
    read = "?"
    marker = b'"read":"'
    at = out.find(marker)
    if at >= 0:
        read = out[at + len(marker):out.index(b'"', at + len(marker))].decode()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, read


def main():
    args = sys.argv[1:]
    env = dict(os.environ)
    if "--omp-threads" in args:
        i = args.index("--omp-threads")
        env["OMP_THREAD_LIMIT"] = args[i + 1]
        del args[i:i + 2]
    helper = args[0]
    rounds = int(args[1]) if len(args) > 1 else 3
    root = pathlib.Path(__file__).resolve().parent.parent / "tests" / "data" / "attachments"
    files = sorted(p for p in root.glob("*/*") if p.suffix.lower() in KINDS)
    print(f"OMP_THREAD_LIMIT={env.get('OMP_THREAD_LIMIT', '(unset)')}, {rounds} rounds")
    print(f"{'file':52} {'kind':6} {'read':11} {'wall ms':>8} {'cpu ms':>7} {'peak MB':>8}")
    per_kind = {}
    for path in files:
        kind = KINDS[path.suffix.lower()]
        runs = [run_once(helper, kind, path, env) for _ in range(rounds)]
        wall = statistics.median(r[0] for r in runs) * 1000
        cpu = statistics.median(r[1] for r in runs) * 1000
        peak = max(r[2] for r in runs)
        print(f"{str(path.relative_to(root)):52} {kind:6} {runs[0][3]:11} {wall:8.0f} {cpu:7.0f} "
              f"{peak:8.1f}")
        per_kind.setdefault(kind, []).append((wall, cpu, peak))
    print()
    print(f"{'kind':6} {'files':>5} {'attachments/s':>13} {'cpu ms/att':>10} {'peak MB':>8}")
    for kind, rows in sorted(per_kind.items()):
        mean_wall = statistics.mean(r[0] for r in rows)
        print(f"{kind:6} {len(rows):5} {1000 / mean_wall:13.2f} "
              f"{statistics.mean(r[1] for r in rows):10.0f} {max(r[2] for r in rows):8.1f}")


if __name__ == "__main__":
    main()
