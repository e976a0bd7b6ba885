#!/usr/bin/env python3
"""Validate data/models.toml against the registry schema (see data/README.md).

Usage: python3 data/check.py [path/to/licenses.json]

With the optional research file, also checks that the first id of every
research record resolves to an entry (as its id or one of its aliases).
Exits 1 and lists every problem found; otherwise prints a one-line summary.
Python 3.11+ standard library only.
"""
import json
import re
import sys
import tomllib
from collections import Counter
from datetime import date
from pathlib import Path

TOML_PATH = Path(__file__).resolve().parent / "models.toml"

KEYS = [
    "id", "aliases", "patterns", "name", "vendor", "modality", "category", "license", "spdx",
    "license-url", "commercial", "commercial-condition", "attribution",
    "attribution-text", "restrictions", "territories-excluded", "alternatives",
    "confidence", "unverified", "sources", "license-date", "verified", "notes",
    "evidence",
]
REQUIRED = {
    "id", "aliases", "name", "vendor", "modality", "category", "license",
    "commercial", "attribution", "restrictions", "territories-excluded",
    "alternatives", "confidence", "unverified", "sources", "verified", "notes",
}
LISTS = {"aliases", "patterns", "restrictions", "territories-excluded", "alternatives", "unverified", "sources"}
ENUMS = {
    "modality": {"image", "video", "audio", "speech", "text", "multimodal"},
    "category": {"open-source", "open-weights-restricted", "commercial-api"},
    "commercial": {"allowed", "not-allowed", "conditional", "unverified"},
    "attribution": {"required", "not-required", "unverified"},
    "confidence": {"high", "medium", "low", "unverified"},
}
DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
VERIFIED_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$")
PATTERN_RE = re.compile(r"^[^*\s]+\*$")
EVIDENCE_ABOUT = {"license", "commercial", "attribution", "restrictions", "territories"}
EVIDENCE_KEYS = {"about", "quote", "paraphrase", "source", "at"}
# Obligations a card raises, and the evidence each needs: (shown name, applies?, evidence about).
# A field set to `unverified` raises no obligation (its `unverified` list says why).
OBLIGATIONS = [
    ("attribution = required", lambda e: e.get("attribution") == "required", "attribution"),
    ("commercial = not-allowed/conditional",
     lambda e: e.get("commercial") in ("not-allowed", "conditional"), "commercial"),
    ("territories-excluded", lambda e: bool(e.get("territories-excluded")), "territories"),
]
URL_RE = re.compile(r"^https?://\S+$")
SPDX_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")


def valid_date(s, pattern):
    """Matches the pattern and, when it is a full date, is a real calendar day."""
    if not pattern.match(s):
        return False
    if len(s) == 10:
        try:
            date.fromisoformat(s)
        except ValueError:
            return False
    return True


def strip_note(s):
    return re.sub(r"\s*\([^)]*\)\s*$", "", s).strip()


def main(argv):
    errors, warnings = [], []
    try:
        with open(TOML_PATH, "rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(f"error: cannot parse {TOML_PATH}: {e}", file=sys.stderr)
        return 1

    extra_top = set(data) - {"model"}
    if extra_top:
        errors.append(f"unknown top-level keys: {sorted(extra_top)}")
    models = data.get("model")
    if not isinstance(models, list) or not models:
        print("error: no [[model]] entries", file=sys.stderr)
        return 1

    def err(i, e, msg):
        errors.append(f"entry #{i + 1} ({e.get('id', '?')}): {msg}")

    # --- per-entry checks
    for i, e in enumerate(models):
        keys = list(e)
        for k in REQUIRED - set(keys):
            err(i, e, f"missing required key '{k}'")
        for k in keys:
            if k not in KEYS:
                err(i, e, f"unknown key '{k}'")
        known = [k for k in keys if k in KEYS]
        if known != sorted(known, key=KEYS.index):
            err(i, e, "keys are not in schema order")
        for k, v in e.items():
            if k not in KEYS or k == "evidence":
                continue
            if k in LISTS:
                if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
                    err(i, e, f"'{k}' must be a list of non-empty strings")
                elif len(set(v)) != len(v):
                    err(i, e, f"'{k}' has duplicate items")
                elif any(x != x.strip() for x in v):
                    err(i, e, f"'{k}' has items with surrounding whitespace")
            elif not isinstance(v, str) or not v.strip() or v != v.strip():
                err(i, e, f"'{k}' must be a non-empty string without surrounding whitespace")
        for k, allowed in ENUMS.items():
            if k in e and e[k] not in allowed:
                err(i, e, f"'{k}' = {e[k]!r} is not one of {sorted(allowed)}")
        if e.get("commercial") == "conditional" and not e.get("commercial-condition"):
            err(i, e, "commercial = conditional needs 'commercial-condition'")
        if e.get("attribution") != "required" and "attribution-text" in e:
            err(i, e, "'attribution-text' is only allowed when attribution = required")
        if "license-url" in e and not URL_RE.match(str(e["license-url"])):
            err(i, e, f"'license-url' is not a plain URL: {e['license-url']!r}")
        if "spdx" in e and (not SPDX_RE.match(str(e["spdx"])) or str(e["spdx"]).startswith("LicenseRef-")):
            err(i, e, f"'spdx' is not an SPDX id: {e['spdx']!r}")
        if "license-date" in e and not valid_date(str(e["license-date"]), DATE_RE):
            err(i, e, f"'license-date' must be YYYY, YYYY-MM or YYYY-MM-DD: {e['license-date']!r}")
        if "verified" in e and not valid_date(str(e["verified"]), VERIFIED_RE):
            err(i, e, f"'verified' must be YYYY-MM or YYYY-MM-DD: {e['verified']!r}")
        for p in e.get("patterns") or []:
            if not PATTERN_RE.match(p):
                err(i, e, f"pattern {p!r} must be a prefix followed by one trailing '*'")
        evidence = e.get("evidence", [])
        if not isinstance(evidence, list) or not all(isinstance(x, dict) for x in evidence):
            err(i, e, "'evidence' must be an array of tables ([[model.evidence]])")
            evidence = []
        for n, ev in enumerate(evidence, 1):
            unknown = set(ev) - EVIDENCE_KEYS
            if unknown:
                err(i, e, f"evidence #{n}: unknown keys {sorted(unknown)}")
            if ev.get("about") not in EVIDENCE_ABOUT:
                err(i, e, f"evidence #{n}: 'about' must be one of {sorted(EVIDENCE_ABOUT)}")
            if ("quote" in ev) == ("paraphrase" in ev):
                err(i, e, f"evidence #{n}: needs exactly one of 'quote' or 'paraphrase'")
            if not URL_RE.match(str(ev.get("source", ""))):
                err(i, e, f"evidence #{n}: 'source' must be a plain URL")
        abouts = {ev.get("about") for ev in evidence}
        if "attribution-text" in e:
            said = [ev.get("quote") or ev.get("paraphrase") or "" for ev in evidence if ev.get("about") == "attribution"]
            if not said:
                err(i, e, "'attribution-text' needs an about = \"attribution\" evidence naming its source")
            elif not any(str(e["attribution-text"]) in s for s in said):
                err(i, e, "no about = \"attribution\" evidence contains the 'attribution-text' wording")
        for field, value, about in OBLIGATIONS:
            if value(e) and about not in abouts:
                err(i, e, f"{field} is an obligation without an about = {about!r} evidence "
                          f"(quote the deciding words, or mark the field 'unverified')")
        if not e.get("sources"):
            err(i, e, "'sources' is empty")
        if (e.get("commercial") == "unverified" or e.get("attribution") == "unverified") and not e.get("unverified"):
            err(i, e, "a field is 'unverified' but the 'unverified' list is empty")

    # --- global uniqueness of ids and aliases (case-sensitive)
    names = Counter()
    for e in models:
        names[e.get("id")] += 1
        for a in e.get("aliases") or []:
            names[a] += 1
    for n, c in sorted(names.items(), key=lambda x: str(x[0])):
        if c > 1:
            errors.append(f"id/alias {n!r} occurs {c} times")

    # --- patterns: one prefix per family; a prefix equal to another entry's id or alias would
    # split that family silently (the exact id wins, its variants go elsewhere)
    owner_of = {}
    for e in models:
        for n in [e.get("id")] + list(e.get("aliases") or []):
            owner_of.setdefault(n, e.get("id"))
    prefixes = {}
    for i, e in enumerate(models):
        for p in e.get("patterns") or []:
            if not isinstance(p, str) or not PATTERN_RE.match(p):
                continue
            prefix = p[:-1]
            if prefix in prefixes and prefixes[prefix] != e.get("id"):
                err(i, e, f"pattern {p!r} is also declared by {prefixes[prefix]!r} (ambiguous)")
            elif prefix in prefixes:
                err(i, e, f"pattern {p!r} is declared twice")
            prefixes.setdefault(prefix, e.get("id"))
            owner = owner_of.get(prefix)
            if owner is not None and owner != e.get("id"):
                err(i, e, f"pattern {p!r} has the prefix of {owner!r}'s id/alias {prefix!r}")

    # --- alternatives
    by_id = {e.get("id"): e for e in models}
    for i, e in enumerate(models):
        alts = e.get("alternatives") or []
        if len(alts) > 3:
            err(i, e, "more than 3 alternatives")
        for a in alts:
            t = by_id.get(a)
            if t is None:
                err(i, e, f"alternative {a!r} is not a canonical id")
            elif t is e:
                err(i, e, "lists itself as an alternative")
            elif t.get("commercial") != "allowed" or t.get("attribution") != "not-required":
                err(i, e, f"alternative {a!r} is not commercial-safe "
                          f"(commercial={t.get('commercial')}, attribution={t.get('attribution')})")
            elif t.get("modality") != e.get("modality"):
                err(i, e, f"alternative {a!r} has modality {t.get('modality')}, not {e.get('modality')}")
        needs = e.get("commercial") != "allowed" or e.get("attribution") != "not-required"
        if needs and not alts:
            warnings.append(f"entry #{i + 1} ({e.get('id')}): no commercial-safe alternative listed")
        if not needs and alts:
            err(i, e, "alternatives given although the entry is itself commercial-safe")

    # --- research file: every record's first id resolves to an entry
    if len(argv) > 1:
        try:
            recs = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        except (OSError, ValueError) as ex:
            errors.append(f"cannot read research file {argv[1]}: {ex}")
            recs = None
        if recs is not None:
            if not isinstance(recs, list):
                errors.append(f"{argv[1]}: expected a JSON array of records")
                recs = []
            for n, r in enumerate(recs, 1):
                ids = r.get("ids") if isinstance(r, dict) else None
                if not ids or not isinstance(ids[0], str):
                    errors.append(f"research record #{n}: no ids")
                    continue
                want = strip_note(ids[0])
                if want not in owner_of:
                    errors.append(f"research record #{n} ({want!r}) does not resolve to any entry")

    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if errors:
        for m in errors:
            print(f"error: {m}", file=sys.stderr)
        print(f"FAILED: {len(errors)} error(s) in {TOML_PATH.name}", file=sys.stderr)
        return 1

    c = Counter(e["commercial"] for e in models)
    a = Counter(e["attribution"] for e in models)
    n_alias = sum(len(e["aliases"]) for e in models)
    n_pat = sum(len(e.get("patterns") or []) for e in models)
    n_ev = sum(len(e.get("evidence") or []) for e in models)
    research = f", all {len(recs)} research records resolve" if len(argv) > 1 else ""
    print(
        f"OK: {len(models)} entries, {n_alias} aliases, {n_pat} patterns, {n_ev} evidence{research}; commercial "
        + "/".join(f"{k} {c[k]}" for k in ("allowed", "conditional", "not-allowed", "unverified"))
        + "; attribution "
        + "/".join(f"{k} {a[k]}" for k in ("required", "not-required", "unverified"))
        + f"; {len(warnings)} warning(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
