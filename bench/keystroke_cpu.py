#!/usr/bin/env python3
"""CPU time of one keystroke, side by side (a benchmark, not a test; not run in CI).

`bench/lsp_latency.py` times keystroke -> diagnostics; on a busy machine that
figure mostly measures the scheduler. This drives the same 10,000-line
TypeScript file with the same client and reads the server's own CPU time
(user and system, from /proc/<pid>/stat) over a run of keystrokes, each
waiting for its diagnostics. Rounds interleave the binaries, so a burst of
load hits all of them alike; medians of the rounds are printed, with ratios
to the first binary.

Usage: bench/keystroke_cpu.py BINARY [BINARY ...] [--rounds N] [--keystrokes N]
       (Linux only: reads /proc; clock ticks are 1/100 s, so use enough keystrokes)
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lsp_latency  # noqa: E402  (the client, the file and the edits)

TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def cpu_ms(pid):
    """User and system CPU time of `pid` so far, in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) * TICK_MS, int(fields[12]) * TICK_MS


def one_round(binary, keystrokes):
    with tempfile.TemporaryDirectory() as workdir:
        root = Path(workdir)
        text = lsp_latency.big_file()
        path = root / "big.ts"
        path.write_text(text)
        uri = f"file://{path}"
        last_line = text.count("\n")
        client = lsp_latency.Client(binary, root)
        client.open(uri, text)
        client.diagnostics_at(uri, 1)
        user0, sys0 = cpu_ms(client.proc.pid)
        latencies = []
        for i in range(keystrokes):
            version = i + 2
            since = client.mark()
            sent = time.perf_counter()
            client.notify("textDocument/didChange", lsp_latency.insert(uri, version, last_line, i, "x"))
            _, arrived, _ = client.diagnostics_at(uri, version, since)
            latencies.append((arrived - sent) * 1000)
        user1, sys1 = cpu_ms(client.proc.pid)
        client.close()
        return statistics.median(latencies), (user1 - user0) / keystrokes, (sys1 - sys0) / keystrokes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--keystrokes", type=int, default=30)
    args = parser.parse_args()
    results = {binary: [] for binary in args.binaries}
    for _ in range(args.rounds):
        for binary in args.binaries:
            results[binary].append(one_round(binary, args.keystrokes))
    first = None
    print(f"{'binary':50s} {'latency ms':>11s} {'user ms':>8s} {'sys ms':>7s} {'user/first':>10s}")
    for binary, rounds in results.items():
        latency = statistics.median(r[0] for r in rounds)
        user = statistics.median(r[1] for r in rounds)
        system = statistics.median(r[2] for r in rounds)
        first = first or user
        print(f"{binary:50s} {latency:11.1f} {user:8.2f} {system:7.2f} {user / first:10.2f}")


if __name__ == "__main__":
    main()
