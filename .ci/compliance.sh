#!/usr/bin/env bash
# Compliance integrations CI, each checked by its real consumer:
#   - report --format cyclonedx of examples/ validated against the official
#     CycloneDX 1.6 schema by cyclonedx-python-lib (and a broken BOM rejected);
#   - report --format spdx3 of examples/ validated by spdx3-validate (SPDX
#     3.0.1 JSON schema and SHACL, served offline from tests/fixtures/spdx3/),
#     byte-identical on a second run, and a broken document rejected;
#   - check --format junit / gitlab / github parsed by XML/JSON parsers;
#   - schemas/abstrakt.schema.json applied by the taplo CLI: examples/abstrakt.toml
#     passes, a broken file fails naming the key, the #:schema directive works;
#   - the pre-commit hook, through `pre-commit try-repo` on throw-away git
#     repositories: a violating file fails naming the finding, a clean one passes.
#
# Uses ABSTRAKT_LSP_BIN (default: <repo>/target/release/abstrakt-lsp, built by
# .ci/run). Installs its Python tools (pinned) into a virtualenv under target/.
# Prints one line per check and a final "N passed, M failed" line; exits
# non-zero if any check fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${ABSTRAKT_LSP_BIN:-$root/target/release/abstrakt-lsp}"
tools="$root/target/ci-compliance"
work="$(mktemp -d "${TMPDIR:-/tmp}/abstrakt-compliance.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$tools"
# shellcheck source=.ci/checks.sh
source .ci/checks.sh

install_tools() {
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check \
    'cyclonedx-python-lib[json-validation]==11.12.0' 'pre-commit==4.7.0' 'taplo==0.9.3' \
    'spdx3-validate==0.0.7'
  "$tools/venv/bin/taplo" --version
  "$tools/venv/bin/pre-commit" --version
}
py="$tools/venv/bin/python"

cyclonedx() {
  SOURCE_DATE_EPOCH=1767225600 "$bin" report --format cyclonedx \
    --serial-number 3e671687-395b-41f5-a30f-a58921a69b79 examples/ --output "$work/ai-bom.cdx.json"
  "$py" .ci/validate_cyclonedx.py "$work/ai-bom.cdx.json"
  # The validator is not a rubber stamp: a component without a name is rejected.
  "$py" - "$work/ai-bom.cdx.json" "$work/broken.cdx.json" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1]))
assert len(bom["components"]) >= 3, "one component per model of examples/"
del bom["components"][0]["name"]
json.dump(bom, open(sys.argv[2], "w"))
PY
  expect_fail "$work/broken.log" "$py" .ci/validate_cyclonedx.py "$work/broken.cdx.json"
  grep -q "'name' is a required property" "$work/broken.log"
}

spdx3() {
  SOURCE_DATE_EPOCH=1767225600 "$bin" report --format spdx3 examples/ --output "$work/ai.spdx3.json"
  SOURCE_DATE_EPOCH=1767225600 "$bin" report --format spdx3 examples/ --output "$work/again.spdx3.json"
  cmp "$work/ai.spdx3.json" "$work/again.spdx3.json"
  "$py" .ci/validate_spdx3.py "$work/ai.spdx3.json"
  # The validator is not a rubber stamp: a model without creationInfo is rejected.
  "$py" - "$work/ai.spdx3.json" "$work/broken.spdx3.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
models = [e for e in doc["@graph"] if e.get("type") == "ai_AIPackage"]
assert len(models) >= 3, "one ai_AIPackage per model of examples/"
del models[0]["creationInfo"]
json.dump(doc, open(sys.argv[2], "w"))
PY
  expect_fail "$work/broken-spdx3.log" "$py" .ci/validate_spdx3.py "$work/broken.spdx3.json"
}

ci_formats() {
  "$bin" check --format junit examples/ >"$work/junit.xml" || [ $? -eq 1 ]
  "$bin" check --format gitlab examples/ >"$work/gitlab.json" || [ $? -eq 1 ]
  "$bin" check --format github examples/ >"$work/github.txt" || [ $? -eq 1 ]
  "$py" - "$work" <<'PY'
import json, sys, xml.etree.ElementTree as ET
work = sys.argv[1]
suites = ET.parse(f"{work}/junit.xml").getroot()
cases = suites.findall("./testsuite/testcase")
assert cases and int(suites.get("failures")) == len(cases), "one failing case per finding"
issues = json.load(open(f"{work}/gitlab.json"))
assert len(issues) == len(cases), (len(issues), len(cases))
assert len({i["fingerprint"] for i in issues}) == len(issues), "unique fingerprints"
for issue in issues:
    assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
    assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
lines = open(f"{work}/github.txt").read().splitlines()
assert len(lines) == len(cases) and all(l.startswith(("::error ", "::warning ", "::notice ")) for l in lines)
print(f"{len(cases)} findings in each of junit, gitlab and github")
PY
}

schema_with_taplo() {
  local taplo="$tools/venv/bin/taplo" schema="file://$root/schemas/abstrakt.schema.json"
  "$taplo" check --schema "$schema" examples/abstrakt.toml
  mkdir -p "$work/broken" "$work/directive"
  printf 'intended-use = "commercial"\n[policy]\ndeny-licences = ["CC-BY-NC-4.0"]\n' >"$work/broken/abstrakt.toml"
  expect_fail "$work/taplo-broken.log" "$taplo" check --schema "$schema" "$work/broken/abstrakt.toml"
  grep -q "'deny-licences' was unexpected" "$work/taplo-broken.log"
  # The #:schema directive, with a path relative to the file.
  cp schemas/abstrakt.schema.json "$work/directive/"
  { echo '#:schema ./abstrakt.schema.json'; cat examples/abstrakt.toml; } >"$work/directive/abstrakt.toml"
  "$taplo" check "$work/directive/abstrakt.toml"
  printf '#:schema ./abstrakt.schema.json\n[rules]\nunknown-model = "loud"\n' >"$work/directive/abstrakt.toml"
  expect_fail "$work/taplo-directive.log" "$taplo" check "$work/directive/abstrakt.toml"
  grep -q '"loud" is not one of' "$work/taplo-directive.log"
}

# A throw-away git repository with one file.
throwaway_repo() {
  local dir="$1" name="$2" text="$3"
  mkdir -p "$dir"
  git -C "$dir" init --quiet
  printf '%s' "$text" >"$dir/$name"
  git -C "$dir" add "$name"
}

pre_commit_hook() {
  # `language: rust` makes pre-commit `cargo install --path` this repository.
  # Pointing CARGO_TARGET_DIR at the release build .ci/run just made lets that
  # install reuse the compiled dependencies (only this crate is rebuilt).
  export PRE_COMMIT_HOME="$work/pre-commit-home" CARGO_TARGET_DIR="$root/target"
  local pre_commit="$tools/venv/bin/pre-commit"
  throwaway_repo "$work/violating" jingle.js \
    "export const jingle = () => abstrakt.run('musicgen', { prompt: 'upbeat' });"$'\n'
  throwaway_repo "$work/clean" hero.ts \
    "export const hero = () => abstrakt.run('flux-schnell', { prompt: 'a fox' });"$'\n'
  (cd "$work/violating" && expect_fail "$work/pre-commit-violating.log" \
    "$pre_commit" try-repo "$root" abstrakt-check --all-files --verbose)
  grep -q "non-commercial" "$work/pre-commit-violating.log"
  grep -q "jingle.js" "$work/pre-commit-violating.log"
  (cd "$work/clean" && "$pre_commit" try-repo "$root" abstrakt-check --all-files --verbose)
}

check "install pinned Python tools (cyclonedx-python-lib, pre-commit, taplo, spdx3-validate)" install_tools
check "CycloneDX 1.6 AI-BOM of examples/ is valid (cyclonedx-python-lib)" cyclonedx
check "SPDX 3.0.1 AI profile of examples/ is valid (spdx3-validate)" spdx3
check "check --format junit|gitlab|github parse and agree" ci_formats
check "abstrakt.toml schema with the taplo CLI" schema_with_taplo
check "pre-commit try-repo abstrakt-check" pre_commit_hook

finish_checks compliance
