#!/usr/bin/env python3
"""One version everywhere: every manifest that names abstrakt-lsp's version.

    python3 packaging/versions.py            # check: exit 1 naming each file that disagrees
    python3 packaging/versions.py --print    # print the version (Cargo.toml's)
    python3 packaging/versions.py --set 0.2.0  # rewrite every place, then check

Cargo.toml is the reference. The npm, PyPI, VS Code, pre-commit mirror,
GitHub Action and Mason manifests are published side by side by the release
workflow, so a tag whose manifests disagree would publish a mix; CI runs the
check (.ci/packaging.sh) and packaging/build.sh refuses to build.

Python standard library only (3.11+, for tomllib).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
SEMVER = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$")


def _toml(rel: str) -> dict:
    return tomllib.loads((ROOT / rel).read_text(encoding="utf-8"))


def _json(rel: str) -> dict:
    return json.loads((ROOT / rel).read_text(encoding="utf-8"))


def _cargo_lock() -> list[str]:
    lock = _toml("Cargo.lock")
    return [p["version"] for p in lock.get("package", []) if p.get("name") == "abstrakt-lsp"]


def _npm_main() -> list[str]:
    pkg = _json("npm/abstrakt-lsp/package.json")
    return [pkg["version"], *pkg.get("optionalDependencies", {}).values()]


def _vscode() -> list[str]:
    return [_json("editors/vscode/package.json")["version"]]


def _vscode_lock() -> list[str]:
    lock = _json("editors/vscode/package-lock.json")
    return [lock["version"], lock["packages"][""]["version"]]


def _pre_commit_mirror() -> list[str]:
    project = _toml("packaging/pre-commit/pyproject.toml")["project"]
    pins = [d.split("==", 1)[1] for d in project["dependencies"] if d.startswith("abstrakt-lsp==")]
    return [project["version"], *pins] if pins else [project["version"], "(no abstrakt-lsp== pin)"]


def _regex(rel: str, pattern: str) -> Callable[[], list[str]]:
    def read() -> list[str]:
        found = re.findall(pattern, (ROOT / rel).read_text(encoding="utf-8"), flags=re.M)
        return found or [f"(no match for {pattern!r})"]

    return read


# file → (reader of the versions it states, rewriter for --set as (pattern, replacement template))
PLACES: dict[str, Callable[[], list[str]]] = {
    "Cargo.lock": _cargo_lock,
    "pyproject.toml": lambda: [_toml("pyproject.toml")["project"]["version"]],
    "npm/abstrakt-lsp/package.json": _npm_main,
    "editors/vscode/package.json": _vscode,
    "editors/vscode/package-lock.json": _vscode_lock,
    "packaging/pre-commit/pyproject.toml": _pre_commit_mirror,
    "packaging/pre-commit/README.md": _regex("packaging/pre-commit/README.md", r"^\s+rev: v(\S+)"),
    "action.yml": _regex("action.yml", r"^\s+default: \"(\d[^\"]*)\"\s+# the release version"),
    "packaging/mason/package.yaml": _regex("packaging/mason/package.yaml", r"pkg:pypi/abstrakt-lsp@(\S+)"),
    "CHANGELOG.md": _regex("CHANGELOG.md", r"^## \[(\d[^\]]*)\]"),
    # The install instructions that name the version.
    "README.md": _regex("README.md", r"`rev: v([^`]+)`"),
    "editors/README.md": _regex("editors/README.md", r"pkg:pypi/abstrakt-lsp@(\S+)"),
}

# For --set: the regular expressions that locate each version in its file.
REWRITES: dict[str, list[tuple[str, str]]] = {
    "Cargo.toml": [(r'(?m)^(version = ")[^"]+(")', r"\g<1>{v}\g<2>")],
    "Cargo.lock": [(r'(name = "abstrakt-lsp"\nversion = ")[^"]+(")', r"\g<1>{v}\g<2>")],
    "pyproject.toml": [(r'(?m)^(version = ")[^"]+(")', r"\g<1>{v}\g<2>")],
    "npm/abstrakt-lsp/package.json": [
        (r'(?m)^(  "version": ")[^"]+(")', r"\g<1>{v}\g<2>"),
        (r'("@abstrakt-lsp/cli-[a-z0-9-]+": ")[^"]+(")', r"\g<1>{v}\g<2>"),
    ],
    "editors/vscode/package.json": [(r'(?m)^(  "version": ")[^"]+(")', r"\g<1>{v}\g<2>")],
    "editors/vscode/package-lock.json": [
        (r'(?m)^(  "version": ")[^"]+(")', r"\g<1>{v}\g<2>"),
        (r'(?m)^(      "version": ")[^"]+(",\n      "license")', r"\g<1>{v}\g<2>"),
    ],
    "packaging/pre-commit/pyproject.toml": [
        (r'(?m)^(version = ")[^"]+(")', r"\g<1>{v}\g<2>"),
        (r'("abstrakt-lsp==)[^"]+(")', r"\g<1>{v}\g<2>"),
    ],
    "packaging/pre-commit/README.md": [(r"(?m)^(\s+rev: v)\S+", r"\g<1>{v}")],
    "action.yml": [(r'(?m)^(\s+default: ")\d[^"]*("\s+# the release version)', r"\g<1>{v}\g<2>")],
    "packaging/mason/package.yaml": [(r"(pkg:pypi/abstrakt-lsp@)\S+", r"\g<1>{v}")],
    "README.md": [(r"(`rev: v)[^`]+(`)", r"\g<1>{v}\g<2>")],
    "editors/README.md": [(r"(pkg:pypi/abstrakt-lsp@)\S+", r"\g<1>{v}")],
}


def cargo_version() -> str:
    return _toml("Cargo.toml")["package"]["version"]


def check() -> int:
    want = cargo_version()
    if not SEMVER.match(want):
        print(f"Cargo.toml: version {want!r} is not semver", file=sys.stderr)
        return 1
    bad = 0
    for rel, read in PLACES.items():
        try:
            found = read()
        except (OSError, KeyError, ValueError, IndexError) as err:
            print(f"{rel}: cannot read its version: {err!r}", file=sys.stderr)
            bad += 1
            continue
        # CHANGELOG.md: the newest released section must be this version.
        if rel == "CHANGELOG.md":
            found = found[:1]
        wrong = sorted({v for v in found if v != want})
        if wrong:
            print(f"{rel}: {', '.join(wrong)} (Cargo.toml has {want})", file=sys.stderr)
            bad += 1
    if bad:
        print(f"versions disagree in {bad} file(s); fix with: python3 packaging/versions.py --set {want}",
              file=sys.stderr)
        return 1
    print(f"abstrakt-lsp {want}: Cargo.toml and {len(PLACES)} other manifests agree")
    return 0


def set_version(new: str) -> int:
    if not SEMVER.match(new):
        print(f"{new!r} is not a version (MAJOR.MINOR.PATCH[-PRE])", file=sys.stderr)
        return 2
    for rel, rules in REWRITES.items():
        path = ROOT / rel
        text = path.read_text(encoding="utf-8")
        for pattern, template in rules:
            text, n = re.subn(pattern, template.format(v=new), text, count=0 if "cli-" in pattern else 1)
            if n == 0:
                print(f"{rel}: no version found by {pattern!r}", file=sys.stderr)
                return 1
        path.write_text(text, encoding="utf-8")
    print(f"set {new}; add a '## [{new}]' section to CHANGELOG.md")
    return check()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--print", action="store_true", help="print the version and exit")
    parser.add_argument("--set", metavar="VERSION", help="rewrite every manifest to VERSION")
    args = parser.parse_args()
    if args.print:
        print(cargo_version())
        return 0
    if args.set:
        return set_version(args.set)
    return check()


if __name__ == "__main__":
    sys.exit(main())
