#!/usr/bin/env python3
"""Editor latency of abstrakt-lsp over stdio (a benchmark, not a test; not run in CI).

Drives the release binary like an editor does and prints, side by side with
ESLint's selector rule (`no-restricted-syntax` on `CallExpression[callee.property.name='run']`,
typescript-eslint parser) on the same 10,000-line TypeScript file:

  keystroke -> diagnostics   one edit, then wait for the diagnostics of its version (median)
  typing at 20 chars/s       last keystroke -> its diagnostics; how many versions were analysed
  hover after a burst        hover on a small file sent right after 200 edits on the big file
  markup save, 100 open      a .tsx change (no attribution text in it) with 100 documents
                             open: the answer time of the next request, and documents re-published
  memory, 100 open           RSS with 100 open 1,000-line files, right away and after 40 s idle
  memory, 10,000 small       RSS with 10,000 open 3-line files, then after closing them all
  runaway parse              completion on the 2-line TSX whose parse runs for minutes, then a
                             hover on another file (no answer within 20 s counts as 20,000 ms)

Usage: bench/lsp_latency.py [--binary PATH] [--label NAME] [--binary PATH --label NAME ...]
       (builds target/release/abstrakt-lsp when no --binary is given; ESLint is
       installed with npm into target/bench-tools/eslint on first use)

Pass two binaries (e.g. a build of the previous commit first) to get before/after ratios.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
TOOLS = TARGET / "bench-tools" / "eslint"
# The server drops the trees of documents idle for 30 s.
IDLE_WAIT = 40

FILLER = """export function helper{n}(values: number[], scale = 2): number {{
  let total = 0;
  for (const v of values) {{
    total += Math.max(v * scale, 0);
  }}
  return total / Math.max(values.length, 1);
}}

"""
CALL = """const ai{n} = new Abstrakt({{ apiKey: process.env.ABSTRAKT_API_KEY }});
export async function render{n}(prompt: string) {{
  const result = await ai{n}.run('flux-dev', {{ prompt }});
  return result;
}}

"""


def big_file(lines=10_000, calls=50):
    """About `lines` lines of TypeScript with `calls` model calls spread evenly."""
    out = ["import { Abstrakt } from 'abstrakt';\n\n"]
    count = 2
    every = lines // calls
    n = 0
    next_call = 0
    while count < lines:
        if count >= next_call and n < calls:
            block = CALL.format(n=n)
            n += 1
            next_call += every
        else:
            block = FILLER.format(n=count)
        out.append(block)
        count += block.count("\n")
    return "".join(out)


def small_file():
    return "import { Abstrakt } from 'abstrakt';\nconst ai = new Abstrakt();\nawait ai.run('flux-dev', { prompt });\n"


class Client:
    """A minimal LSP client: framing, a reader thread stamping arrival times."""

    def __init__(self, binary, root):
        self.proc = subprocess.Popen(
            [binary],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "RUST_LOG": "error", "ABSTRAKT_OFFLINE": "1"},
        )
        self.lock = threading.Condition()
        self.messages = []  # (arrival time, message)
        self.next_id = 1
        threading.Thread(target=self._read, daemon=True).start()
        self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": f"file://{root}",
                "capabilities": {
                    "textDocument": {"publishDiagnostics": {}},
                    "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": False}},
                },
            },
        )
        self.notify("initialized", {})

    def _read(self):
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            body = out.read(length)
            message = json.loads(body)
            now = time.perf_counter()
            if "id" in message and "method" in message:
                self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
            with self.lock:
                self.messages.append((now, message))
                self.lock.notify_all()

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request_async(self, method, params):
        rid = self.next_id
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return rid

    def wait(self, predicate, since=0, timeout=120):
        """The first message at index >= since matching predicate: (index, time, message)."""
        deadline = time.perf_counter() + timeout
        with self.lock:
            while True:
                for i in range(since, len(self.messages)):
                    t, m = self.messages[i]
                    if predicate(m):
                        return i, t, m
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError("no matching message")
                self.lock.wait(left)

    def request(self, method, params):
        rid = self.request_async(method, params)
        return self.wait(lambda m: m.get("id") == rid and "method" not in m)[2]

    def mark(self):
        with self.lock:
            return len(self.messages)

    def open(self, uri, text):
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "typescript", "version": 1, "text": text}},
        )

    def diagnostics_at(self, uri, version, since=0):
        return self.wait(
            lambda m: m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == version,
            since,
        )

    def wait_published(self, uris, version, timeout=600):
        """Waits until each of `uris` got diagnostics for `version` (one pass over the messages)."""
        want = set(uris)
        since = 0
        deadline = time.perf_counter() + timeout
        with self.lock:
            while True:
                for i in range(since, len(self.messages)):
                    m = self.messages[i][1]
                    if m.get("method") == "textDocument/publishDiagnostics" and m["params"].get("version") == version:
                        want.discard(m["params"]["uri"])
                since = len(self.messages)
                if not want:
                    return
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"{len(want)} documents got no diagnostics")
                self.lock.wait(left)

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


def insert(uri, version, line, character, text):
    return {
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [
            {
                "range": {
                    "start": {"line": line, "character": character},
                    "end": {"line": line, "character": character},
                },
                "text": text,
            }
        ],
    }


def measure(binary, workdir):
    figures = {}
    root = Path(workdir)
    big_text = big_file()
    big_path = root / "big.ts"
    big_path.write_text(big_text)
    big = f"file://{big_path}"
    small = f"file://{root / 'small.ts'}"
    (root / "small.ts").write_text(small_file())
    last_line = big_text.count("\n")

    client = Client(binary, root)
    client.open(small, small_file())
    client.diagnostics_at(small, 1)
    start = time.perf_counter()
    client.open(big, big_text)
    _, t, _ = client.diagnostics_at(big, 1)
    figures["open"] = (t - start) * 1000

    # One keystroke at a time, waiting for its diagnostics.
    version = 1
    samples = []
    for i in range(20):
        version += 1
        since = client.mark()
        sent = time.perf_counter()
        client.notify("textDocument/didChange", insert(big, version, last_line, i, "x"))
        _, t, _ = client.diagnostics_at(big, version, since)
        samples.append((t - sent) * 1000)
    figures["keystroke"] = statistics.median(samples)

    # Typing at 20 characters a second.
    since = client.mark()
    typed = 40
    for i in range(typed):
        version += 1
        sent = time.perf_counter()
        client.notify("textDocument/didChange", insert(big, version, last_line, 20 + i, "y"))
        if i < typed - 1:
            time.sleep(max(0.0, 0.05 - (time.perf_counter() - sent)))
    _, t, _ = client.diagnostics_at(big, version, since)
    figures["typing"] = (t - sent) * 1000
    with client.lock:
        published = [
            m for _, m in client.messages[since:]
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == big
        ]
    figures["typing_publishes"] = len(published)

    # Hover on the small file right after a burst of 200 edits on the big one.
    for i in range(200):
        version += 1
        client.notify("textDocument/didChange", insert(big, version, last_line, 60 + i, "z"))
    sent = time.perf_counter()
    rid = client.request_async(
        "textDocument/hover",
        {"textDocument": {"uri": small}, "position": {"line": 2, "character": 16}},
    )
    _, t, answer = client.wait(lambda m: m.get("id") == rid and "method" not in m)
    figures["hover_after_burst"] = (t - sent) * 1000
    assert answer.get("result"), f"hover had no answer: {answer}"
    client.diagnostics_at(big, version)
    client.close()

    # 100 open 1,000-line files: memory, then a markup save.
    many = root / "many"
    many.mkdir()
    block = big_file(1_000, 5)
    (many / "Footer.tsx").write_text("export const Footer = () => <footer>hello</footer>;\n")
    client = Client(binary, many)
    before = client.rss_mb()
    uris = []
    for n in range(100):
        path = many / f"f{n}.ts"
        path.write_text(block)
        uri = f"file://{path}"
        uris.append(uri)
        client.open(uri, block)
    for uri in uris:
        client.diagnostics_at(uri, 1)
    time.sleep(1.0)  # let the background tree checks of the quiet documents finish
    figures["rss_100"] = client.rss_mb()
    figures["rss_empty"] = before
    time.sleep(IDLE_WAIT)  # idle documents may drop their trees
    figures["rss_100_idle"] = client.rss_mb()

    (many / "Footer.tsx").write_text("export const Footer = () => <footer>hello!</footer>;\n")
    since = client.mark()
    sent = time.perf_counter()
    client.notify(
        "workspace/didChangeWatchedFiles",
        {"changes": [{"uri": f"file://{many / 'Footer.tsx'}", "type": 2}]},
    )
    rid = client.request_async(
        "textDocument/hover",
        {"textDocument": {"uri": uris[0]}, "position": {"line": 0, "character": 0}},
    )
    _, t, _ = client.wait(lambda m: m.get("id") == rid and "method" not in m, since)
    figures["save_next_request"] = (t - sent) * 1000
    time.sleep(1.0)
    with client.lock:
        figures["save_republished"] = sum(
            1 for _, m in client.messages[since:]
            if m.get("method") == "textDocument/publishDiagnostics"
        )
    client.close()

    # 10,000 small documents open, then all closed.
    small_dir = root / "small"
    small_dir.mkdir()
    client = Client(binary, small_dir)
    small_uris = [f"file://{small_dir}/s{n}.ts" for n in range(10_000)]
    for uri in small_uris:
        client.open(uri, small_file())
    client.wait_published(small_uris, 1)
    time.sleep(1.0)
    figures["rss_10k_open"] = client.rss_mb()
    for uri in small_uris:
        client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    client.request("textDocument/hover", {"textDocument": {"uri": small_uris[0]}, "position": {"line": 0, "character": 0}})
    time.sleep(1.0)
    figures["rss_10k_closed"] = client.rss_mb()
    client.close()

    # The reduced hang of issue 18: completion on a document whose parse runs
    # for minutes, then a hover elsewhere. Before the parse deadline the
    # message loop froze: no answer at all.
    runaway = root / "runaway"
    runaway.mkdir()
    client = Client(binary, runaway)
    soup = f"file://{runaway}/soup.tsx"
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": soup, "languageId": "typescriptreact", "version": 1,
                          "text": "<`(/${(]?e a n(x\"\nabstrakt.run('"}},
    )
    other = f"file://{runaway}/other.ts"
    sent = time.perf_counter()
    try:
        rid = client.request_async(
            "textDocument/completion",
            {"textDocument": {"uri": soup}, "position": {"line": 1, "character": 14}},
        )
        client.wait(lambda m: m.get("id") == rid and "method" not in m, timeout=20)
        client.open(other, small_file())
        rid = client.request_async(
            "textDocument/hover",
            {"textDocument": {"uri": other}, "position": {"line": 2, "character": 16}},
        )
        _, t, _ = client.wait(lambda m: m.get("id") == rid and "method" not in m, timeout=20)
        figures["runaway_answered"] = (t - sent) * 1000
    except TimeoutError:
        figures["runaway_answered"] = 20_000.0
    figures["runaway_rss"] = client.rss_mb()
    client.proc.kill()
    return figures


def eslint_ms(workdir):
    """Median of 3 warm runs of ESLint's selector rule on the big file."""
    binary = TOOLS / "node_modules" / ".bin" / "eslint"
    if not binary.exists():
        print("== installing eslint into", TOOLS, file=sys.stderr)
        TOOLS.mkdir(parents=True, exist_ok=True)
        (TOOLS / "package.json").write_text('{"private":true}')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent",
             "eslint@9.5.0", "typescript-eslint@8.8.0", "typescript@5.4.5"],
            cwd=TOOLS, check=True,
        )
    config = Path(workdir) / "eslint.config.mjs"
    config.write_text(
        f"import tseslint from '{TOOLS / 'node_modules' / 'typescript-eslint' / 'dist' / 'index.js'}';\n"
        "export default [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser },\n"
        "  rules: { 'no-restricted-syntax': ['error', \"CallExpression[callee.property.name='run']\"] } }];\n"
    )
    times = []
    for _ in range(4):
        start = time.perf_counter()
        done = subprocess.run(
            [str(binary), "--config", str(config), "--no-warn-ignored", str(Path(workdir) / "big.ts")],
            cwd=workdir, capture_output=True, text=True,
        )
        times.append((time.perf_counter() - start) * 1000)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"eslint failed: {done.stderr}")
    found = done.stdout.count("no-restricted-syntax")
    return statistics.median(times[1:]), found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", action="append", default=[])
    parser.add_argument("--label", action="append", default=[])
    args = parser.parse_args()
    binaries = args.binary
    if not binaries:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "abstrakt-lsp"], cwd=ROOT, check=True)
        binaries = [str(TARGET / "release" / "abstrakt-lsp")]
    labels = args.label + [Path(b).parent.name for b in binaries[len(args.label):]]

    results = []
    for binary in binaries:
        with tempfile.TemporaryDirectory() as workdir:
            print(f"== measuring {binary}", file=sys.stderr)
            results.append(measure(binary, workdir))
    with tempfile.TemporaryDirectory() as workdir:
        (Path(workdir) / "big.ts").write_text(big_file())
        eslint, found = eslint_ms(workdir)

    rows = [
        ("open (10,000 lines) -> diagnostics, ms", "open", True),
        ("keystroke -> diagnostics, ms (median of 20)", "keystroke", True),
        ("typing 20 chars/s: last keystroke -> diagnostics, ms", "typing", True),
        ("typing 20 chars/s: versions published (of 40)", "typing_publishes", False),
        ("hover on a small file after a 200-edit burst, ms", "hover_after_burst", True),
        ("markup save, 100 open: next request answered after, ms", "save_next_request", False),
        ("markup save, 100 open: documents re-published", "save_republished", False),
        ("RSS, server idle, MB", "rss_empty", False),
        ("RSS, 100 open 1,000-line files, MB", "rss_100", False),
        (f"RSS, the same after {IDLE_WAIT} s idle, MB", "rss_100_idle", False),
        ("RSS, 10,000 open 3-line files, MB", "rss_10k_open", False),
        ("RSS, the same after closing them all, MB", "rss_10k_closed", False),
        ("runaway parse: completion + hover answered after, ms", "runaway_answered", False),
        ("runaway parse: RSS then, MB", "runaway_rss", False),
    ]
    print(f"ESLint selector rule on the same 10,000-line file: {eslint:.0f} ms (warm, median of 3; {found} reports)")
    header = f"{'':58}" + "".join(f"{label:>14}" for label in labels)
    header += "".join(f"{label + '/ESLint':>16}" for label in labels)
    if len(results) == 2:
        header += f"{'after/before':>14}"
    print(header)
    for title, key, versus_eslint in rows:
        line = f"{title:58}" + "".join(f"{r[key]:>14.1f}" for r in results)
        line += "".join(
            f"{(r[key] / eslint):>16.4f}" if versus_eslint else f"{'':>16}" for r in results
        )
        if len(results) == 2:
            before, after = results[0][key], results[1][key]
            line += f"{(after / before) if before else float('nan'):>14.3f}"
        print(line)


if __name__ == "__main__":
    main()
