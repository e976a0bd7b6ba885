#!/usr/bin/env python3
"""Pathological input in `check` (a benchmark, not a test; not run in CI).

Issue 11's target: a 1 MB id, a 3 MB minified line and 100,000-deep nesting
each cost <= 0.5 s in `check`. This prints each one's median wall time and peak
RSS next to an ordinary 10,000-line TypeScript file (the block the criterion
benches repeat, read from benches/common/mod.rs), as ratios:

    input                          median    x ordinary   peak RSS
    ordinary 10,000-line .ts       ...

The minified line and the 1 MB id are also run with the line limit raised, so
they are really parsed (the default skips them with a note).

Usage: bench/pathological.py [--runs N] [--no-build]   (needs cargo, python3)
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
WORK = TARGET / "bench-pathological"
BINARY = TARGET / "release" / "abstrakt-lsp"


def ordinary_block() -> str:
    """The realistic TypeScript block of benches/common/mod.rs."""
    source = (ROOT / "benches" / "common" / "mod.rs").read_text()
    match = re.search(r'pub const BLOCK: &str = r#"(.*?)"#;', source, re.S)
    if not match:
        sys.exit("pathological.py: BLOCK not found in benches/common/mod.rs")
    return match.group(1)


def minified(size: int) -> str:
    """One line of minified-looking code with two model calls per block (the
    same generator as tests/cli_limits.rs)."""
    parts, length, i = [], 0, 0
    while length < size:
        part = (
            f"function r{i}(e,t){{var n=t||{{}},o=e.map(function(e){{return e*2+{i}}});"
            f"return n.hd?abstrakt.run(\"flux-dev\",{{prompt:o.join(\",\"),seed:{i}}}):"
            f"abstrakt.models.get(n.m)}}var c{i}={{a:{i},b:[1,2,3,{{x:\"y{i}\"}}],"
            f"c:function(){{return this.a+1}}}};"
        )
        parts.append(part)
        length += len(part)
        i += 1
    return "".join(parts)


def nested(depth: int) -> str:
    """A call under `depth` parentheses, a line break every 100 levels."""
    lines = ["(" * 100] * (depth // 100)
    lines.append("abstrakt.run('flux-dev')")
    lines += [")" * 100] * (depth // 100)
    return "\n".join(lines) + ";\n"


def write(name: str, file: str, text: str) -> Path:
    folder = WORK / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file).write_text(text)
    return folder


def measure(folder: Path, extra: list, runs: int):
    """Median wall seconds and the largest peak RSS (MB) over `runs` runs."""
    times, peak = [], 0
    command = [str(BINARY), "check", "--format", "json", "--offline", "--fail-on", "never", *extra]
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(child.pid, 0)
        times.append(time.perf_counter() - start)
        stderr = child.stderr.read().decode() if child.stderr else ""
        child.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"pathological.py: {' '.join(command)} in {folder} failed:\n{stderr}")
        peak = max(peak, usage.ru_maxrss / 1024)  # KB on Linux
    return statistics.median(times), peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    if not args.no_build:
        print("== building abstrakt-lsp (release)", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    block = ordinary_block()
    block_lines = block.count("\n")
    ordinary = block * (10_000 // block_lines + 1)
    mini = minified(3 * 1024 * 1024)
    big_id = "abstrakt.run('" + "x" * (1 << 20) + "');\n"
    cases = [
        ("ordinary 10,000-line .ts", write("ordinary", "app.ts", ordinary), []),
        ("3 MB minified line (skipped)", write("minified", "app.min.js", mini), []),
        ("3 MB minified line (parsed)", WORK / "minified", ["--max-line-length", "4000000"]),
        ("1 MB id (skipped)", write("id", "a.js", big_id), []),
        ("1 MB id (parsed)", WORK / "id", ["--max-line-length", "2000000"]),
        ("100,000-deep nesting", write("deep", "a.js", nested(100_000)), []),
    ]
    print(f"{'input':34} {'median':>10} {'x ordinary':>11} {'peak RSS':>10}")
    base = None
    for name, folder, extra in cases:
        seconds, rss = measure(folder, extra, args.runs)
        base = base or seconds
        print(f"{name:34} {seconds * 1000:8.1f}ms {seconds / base:10.2f}x {rss:8.1f}MB", flush=True)
    print(f"(median of {args.runs} runs; target: each pathological input <= 0.5 s)")


if __name__ == "__main__":
    main()
