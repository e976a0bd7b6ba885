#!/usr/bin/env python3
"""Validate data/models.toml against the registry schema (see data/README.md).

Usage: python3 data/check.py [path/to/licenses.json]
       python3 data/check.py --upstream     (maintainers: what changed upstream since pinning)

With the optional research file, also checks that the first id of every
research record resolves to an entry (as its id or one of its aliases).
Every evidence quote must be found verbatim (whitespace- and markdown-
normalised) in the stored copy of its source under data/sources/ (see
data/sources/index.toml), and every GitHub URL must be pinned to a commit.
Exits 1 and lists every problem found; otherwise prints a one-line summary.
Python 3.11+ standard library only.
"""
import hashlib
import json
import re
import sys
import tomllib
from collections import Counter
from datetime import date
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
TOML_PATH = DATA_DIR / "models.toml"
SOURCES_DIR = DATA_DIR / "sources"
INDEX_PATH = SOURCES_DIR / "index.toml"

KEYS = [
    "id", "aliases", "patterns", "name", "vendor", "modality", "category", "license", "spdx",
    "license-url", "commercial", "commercial-condition", "attribution",
    "attribution-text", "attribution-text-origin", "restrictions", "territories-excluded", "alternatives",
    "confidence", "unverified", "sources", "license-date", "verified", "override", "notes",
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


# --- stored sources ------------------------------------------------------------------------

# A GitHub URL pinned to a commit: blob/<sha>/path or tree/<sha>.
GITHUB_RE = re.compile(r"https://github\.com/[^\s\"')]+")
PINNED_RE = re.compile(r"^https://github\.com/[^/]+/[^/]+/(blob|tree)/[0-9a-f]{7,40}([/#]|$)")
INDEX_KEYS = {"url", "file", "stored", "commit-date", "retrieved", "sha256", "upstream-sha256", "note"}
STORED_KINDS = {
    "full": "the whole file at the pinned commit",
    "excerpt": "the paragraphs holding the quotes, cut from the file at the pinned commit",
    "recorded": "the wording as the registry research recorded it; not re-fetched here",
}


def normalise(text):
    """What a reader sees, whitespace collapsed: markdown links and images become their
    text, blockquote markers, HTML tags, emphasis/code marks and backslash escapes go away."""
    text = re.sub(r"(?m)^[ \t]*>[ \t]?", "", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>\n]+>", "", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!&])", r"\1", text)
    text = re.sub(r"[*`]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def quote_found(quote, text):
    """The quote appears in the text (both normalised); an ellipsis (…) in the quote marks
    an elision, so its parts must appear in order."""
    haystack = normalise(text)
    at = 0
    for part in re.split(r"\s*…\s*", quote):
        part = normalise(part)
        if not part:
            continue
        found = haystack.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def without_fragment(url):
    return url.split("#", 1)[0]


def load_index(errors):
    """The stored-source index: pinned URL -> (entry, stored text)."""
    try:
        with open(INDEX_PATH, "rb") as f:
            entries = tomllib.load(f).get("source", [])
    except (OSError, tomllib.TOMLDecodeError) as e:
        errors.append(f"cannot read {INDEX_PATH.relative_to(DATA_DIR)}: {e}")
        return {}
    index = {}
    for n, src in enumerate(entries, 1):
        where = f"sources/index.toml source #{n} ({src.get('url', '?')})"
        for k in sorted(set(src) - INDEX_KEYS):
            errors.append(f"{where}: unknown key {k!r}")
        for k in ("url", "file", "stored", "retrieved", "sha256"):
            if not isinstance(src.get(k), str) or not src.get(k):
                errors.append(f"{where}: missing {k!r}")
        if src.get("stored") not in STORED_KINDS:
            errors.append(f"{where}: 'stored' must be one of {sorted(STORED_KINDS)}")
        if src.get("stored") == "recorded" and not src.get("note"):
            errors.append(f"{where}: a recorded source needs a 'note' saying why it was not stored")
        if str(src.get("url", "")).startswith("https://github.com/") and src.get("stored") != "recorded":
            if not re.match(r"^https://github\.com/[^/]+/[^/]+/blob/[0-9a-f]{40}/", src["url"]):
                errors.append(f"{where}: a stored GitHub source needs a blob/<40-hex commit>/ URL")
            if not src.get("upstream-sha256"):
                errors.append(f"{where}: missing 'upstream-sha256' (of the whole file at the commit)")
        try:
            path = (SOURCES_DIR / str(src.get("file", ""))).resolve()
            path.relative_to(SOURCES_DIR.resolve())
            raw = path.read_bytes()
        except (OSError, ValueError):
            errors.append(f"{where}: stored file {src.get('file')!r} is missing")
            continue
        if hashlib.sha256(raw).hexdigest() != src.get("sha256"):
            errors.append(f"{where}: sha256 of {src.get('file')} does not match the index")
        if src.get("url") in index:
            errors.append(f"{where}: url listed twice")
        index[src.get("url")] = (src, raw.decode("utf-8", errors="replace"))
    return index


def check_sources(models, errors):
    """Every quote verbatim in its stored source; every GitHub URL pinned. Returns counts."""
    index = load_index(errors)
    counts = Counter()
    used = set()

    def pinned(url):
        # An unpinned GitHub URL is allowed only where the index records why (no snapshot).
        found = index.get(without_fragment(url))
        return PINNED_RE.match(url) or (found is not None and found[0].get("stored") == "recorded")
    for i, e in enumerate(models):
        texts = [e.get("license-url", "")] + list(e.get("sources") or [])
        for t in texts:
            for url in GITHUB_RE.findall(str(t)):
                if not pinned(url):
                    errors.append(f"entry #{i + 1} ({e.get('id')}): GitHub URL not pinned to a commit: {url}")
        for n, ev in enumerate(e.get("evidence") or [], 1):
            if not isinstance(ev, dict):
                continue
            url = without_fragment(str(ev.get("source", "")))
            if url.startswith("https://github.com/") and not pinned(url):
                errors.append(f"entry #{i + 1} ({e.get('id')}): evidence #{n}: GitHub URL not pinned "
                              f"to a commit: {url}")
            found = index.get(url)
            if found is None:
                errors.append(f"entry #{i + 1} ({e.get('id')}): evidence #{n}: source {url} is not stored "
                              f"(add it to data/sources/index.toml)")
                continue
            used.add(url)
            src, text = found
            if "quote" not in ev:
                counts["paraphrase"] += 1
                continue
            if not quote_found(str(ev["quote"]), text):
                errors.append(f"entry #{i + 1} ({e.get('id')}): evidence #{n}: quote not found verbatim in "
                              f"the stored source {src.get('file')}: {str(ev['quote'])[:80]!r}")
            else:
                counts[src.get("stored")] += 1
    for url in sorted(set(index) - used):
        errors.append(f"sources/index.toml: {url} is stored but no evidence cites it")
    return counts


# --- consistency ---------------------------------------------------------------------------

# Licences whose answer may differ per product (plan-based service terms, principle 4) are
# not licence texts in this sense; the rule covers open-source and open-weights licences.
LICENCE_CATEGORIES = {"open-source", "open-weights-restricted"}


def check_consistency(models, errors):
    """The same licence text gives the same commercial and attribution answer, unless the
    entry names the source that overrides it (`override`); and no family pattern catches
    an id (or its variants) that another entry names."""
    groups = {}
    for e in models:
        if e.get("category") in LICENCE_CATEGORIES and "override" not in e:
            groups.setdefault(e.get("license"), []).append(e)
    for licence, entries in sorted(groups.items(), key=lambda x: str(x[0])):
        answers = {}
        for e in entries:
            answers.setdefault((e.get("commercial"), e.get("attribution")), []).append(e.get("id"))
        if len(answers) > 1:
            shown = "; ".join(f"commercial={c}, attribution={a}: {', '.join(ids)}"
                              for (c, a), ids in sorted(answers.items()))
            errors.append(f"licence {licence!r} gives different answers ({shown}); make them agree "
                          f"or name the overriding source in 'override'")
    patterns = []
    for e in models:
        for p in e.get("patterns") or []:
            if isinstance(p, str) and PATTERN_RE.match(p):
                patterns.append((p[:-1], p, e.get("id")))
    patterns.sort(key=lambda x: (-len(x[0]), x[0]))
    for e in models:
        for name in [e.get("id")] + list(e.get("aliases") or []):
            hit = next((x for x in patterns if str(name).startswith(x[0])), None)
            if hit is not None and hit[2] != e.get("id"):
                errors.append(f"pattern {hit[1]!r} of {hit[2]!r} catches {name!r}, which {e.get('id')!r} "
                              f"names: its variants would resolve to {hit[2]!r} (declare a longer pattern "
                              f"on {e.get('id')!r})")


# --- maintainers: what changed upstream since the texts were pinned -------------------------

def fetch_text(url, timeout=15):
    """The body of a URL, or raises OSError (urllib's errors are OSErrors)."""
    import urllib.request
    req = urllib.request.Request(url, headers={"User-Agent": "abstrakt-lsp data/check.py --upstream"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.read()


def upstream(fetch=fetch_text):
    """Re-fetches every stored source and lists those that changed since they were pinned.

    A GitHub source is compared by the SHA-256 of the whole file on the repository's
    default branch against `upstream-sha256` (the file at the pinned commit); a page
    stored as recorded wording is compared by whether each recorded quote is still on
    the page. Exit 0: nothing changed; 1: something changed or is gone; 2: some sources
    could not be reached (offline), so the answer is incomplete."""
    errors = []
    index = load_index(errors)
    if errors:
        for m in errors:
            print(f"error: {m}", file=sys.stderr)
        return 1
    changed, same, unreachable = [], 0, []
    for url, (src, text) in sorted(index.items()):
        m = re.match(r"^https://github\.com/([^/]+/[^/]+)/blob/([0-9a-f]{7,40}|[^/]+)/(.+)$", url)
        if m and src.get("stored") != "recorded":
            target = f"https://raw.githubusercontent.com/{m.group(1)}/HEAD/{m.group(3)}"
        else:
            target = url
        try:
            body = fetch(target)
        except OSError as e:
            code = getattr(e, "code", None)
            if code in (404, 410):
                changed.append(f"GONE     {url} (HTTP {code} at {target})")
            else:
                unreachable.append(f"{url}: {getattr(e, 'reason', e)}")
            continue
        if src.get("stored") == "recorded":
            page = re.sub(r"<[^>]+>", " ", body.decode("utf-8", errors="replace"))
            quotes = quotes_citing(url)
            missing = [q for q in quotes if not quote_found(q, page)]
            if missing:
                changed.append(f"CHANGED  {url}: {len(missing)} of {len(quotes)} recorded quotes not on the page")
            else:
                same += 1
        elif hashlib.sha256(body).hexdigest() != src.get("upstream-sha256"):
            still = "the stored quotes are still there" if all(
                quote_found(q, body.decode("utf-8", errors="replace"))
                for q in quotes_citing(url)) else "some stored quotes are GONE"
            changed.append(f"CHANGED  {url} (default branch differs from the pinned commit; {still})")
        else:
            same += 1
    for line in changed:
        print(line)
    for line in unreachable:
        print(f"UNREACHABLE {line}", file=sys.stderr)
    print(f"upstream: {len(index)} sources, {same} unchanged, {len(changed)} changed or gone, "
          f"{len(unreachable)} unreachable")
    if unreachable and len(unreachable) == len(index):
        print("upstream: no source could be reached (offline?); nothing was compared", file=sys.stderr)
    if changed:
        return 1
    return 2 if unreachable else 0


def quotes_citing(url):
    """Every evidence quote whose source is `url` (fragment ignored)."""
    with open(TOML_PATH, "rb") as f:
        models = tomllib.load(f).get("model", [])
    return [str(ev["quote"]) for e in models for ev in e.get("evidence") or []
            if isinstance(ev, dict) and "quote" in ev and without_fragment(str(ev.get("source", ""))) == url]


def strip_note(s):
    return re.sub(r"\s*\([^)]*\)\s*$", "", s).strip()


def main(argv):
    if argv[1:] == ["--upstream"]:
        return upstream()
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
        if "attribution-text-origin" in e and "attribution-text" not in e:
            err(i, e, "'attribution-text-origin' is only allowed with 'attribution-text'")
        if "override" in e:
            cited = {without_fragment(str(ev.get("source", ""))) for ev in e.get("evidence") or []
                     if isinstance(ev, dict)}
            url = str(e["override"]).split(" ", 1)[0]
            if not URL_RE.match(url) or without_fragment(url) not in cited:
                err(i, e, "'override' must start with the URL of a source one of its evidence cites")
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

    source_counts = check_sources(models, errors)
    check_consistency(models, errors)

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
    pinned = source_counts["full"] + source_counts["excerpt"]
    print(
        f"sources: {pinned} quotes found in texts stored at a pinned commit, "
        f"{source_counts['recorded']} only in recorded wording (source not re-fetchable here), "
        f"{source_counts['paraphrase']} paraphrases"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
