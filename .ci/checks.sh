# Shared by the CI scripts that run a list of checks (.ci/compliance.sh,
# .ci/packaging.sh): source it, call `check NAME COMMAND...` per check and
# end with `finish_checks LABEL`, which prints the timings, the failed checks
# and a final "LABEL: N passed, M failed" line, and fails if any check did.
# CHECKS_ONLY=REGEX runs only the checks whose name matches (local runs).

passed=0
failed=0
failed_names=()
timings=()

# check NAME COMMAND...: runs one check in a subshell with errexit, shows its
# output, counts the result.
check() {
  local name="$1" start rc took
  shift
  if [ -n "${CHECKS_ONLY:-}" ] && ! [[ "$name" =~ $CHECKS_ONLY ]]; then
    echo "--- skipped: $name"
    return 0
  fi
  echo
  echo "--- $name"
  start=$(date +%s)
  set +e
  ( set -euo pipefail; "$@" )
  rc=$?
  set -e
  took=$(( $(date +%s) - start ))
  timings+=("$(printf '%4d s  %s' "$took" "$name")")
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok: $name ($took s)"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    echo "FAILED: $name (exit $rc, $took s)"
  fi
}

# expect_status WANT LOG COMMAND...: the command must exit WANT; its output
# goes to LOG and is shown.
expect_status() {
  local want="$1" log="$2" rc
  shift 2
  set +e
  "$@" >"$log" 2>&1
  rc=$?
  set -e
  cat "$log"
  if [ "$rc" -ne "$want" ]; then
    echo "expected exit $want, got $rc from: $*" >&2
    return 1
  fi
}

# expect_fail LOG COMMAND...: the command must fail (any non-zero status);
# its output goes to LOG and is shown.
expect_fail() {
  local log="$1"
  shift
  if "$@" >"$log" 2>&1; then
    cat "$log"
    echo "expected a failure from: $*" >&2
    return 1
  fi
  cat "$log"
}

# finish_checks LABEL: the summary; fails if any check failed.
finish_checks() {
  local label="$1"
  echo
  echo "=== $label timings"
  for line in "${timings[@]}"; do echo "$line"; done
  if [ "$failed" -gt 0 ]; then
    printf 'failed: %s\n' "${failed_names[@]}"
  fi
  echo "$label: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
