#!/usr/bin/env bash
# Runs the check for the GitHub Action (action.yml): first the SARIF file for
# code scanning (never fails the step), then the check in the chosen format,
# whose exit status is the step's (1: a finding at or above fail-on; 2: a usage
# or configuration error).
#
# Env: ABSTRAKT_PATHS (space-separated), ABSTRAKT_FAIL_ON, ABSTRAKT_FORMAT,
#      ABSTRAKT_SARIF_FILE (empty: none), GITHUB_OUTPUT.
set -euo pipefail

read -r -a paths <<<"${ABSTRAKT_PATHS:-.}"
[ "${#paths[@]}" -gt 0 ] || paths=(.)

sarif="${ABSTRAKT_SARIF_FILE:-}"
if [ -n "$sarif" ]; then
  abstrakt-lsp check --format sarif --fail-on never "${paths[@]}" >"$sarif"
  echo "SARIF written to $sarif"
fi
echo "sarif-file=$sarif" >>"${GITHUB_OUTPUT:-/dev/null}"

exec abstrakt-lsp check --format "${ABSTRAKT_FORMAT:-github}" --fail-on "${ABSTRAKT_FAIL_ON:-error}" "${paths[@]}"
