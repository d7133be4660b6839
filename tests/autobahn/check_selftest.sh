#!/usr/bin/env bash
# Self-test of check.py against the small crafted reports in fixtures/:
# asserts exit codes and that failing cases are named in the output.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FX=$HERE/fixtures
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

passed=0 failed=0
# expect NAME WANT_EXIT [GREP_PATTERN...] -- check.py ARGS...
expect() {
    local name=$1 want=$2 rc=0 pat; shift 2
    local pats=()
    while (($#)) && [[ $1 != -- ]]; do pats+=("$1"); shift; done
    shift  # the --
    python3 "$HERE/check.py" "$@" >"$OUT/out" 2>&1 || rc=$?
    local ok=1
    ((rc == want)) || { echo "FAIL $name: exit $rc, expected $want"; ok=0; }
    for pat in ${pats[@]+"${pats[@]}"}; do
        grep -qF -- "$pat" "$OUT/out" || { echo "FAIL $name: output lacks '$pat'"; ok=0; }
    done
    if ((ok)); then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); sed 's/^/    | /' "$OUT/out" | head -40; fi
}

expect "pass: both sides, agents present" 0 "Verdict: PASS" "| 12 | 1 | 0 | 0 | 0 | 0 | 1 |" \
    -- --reports "$FX/pass" --servers good --clients client-a
expect "pass: sides auto-detected" 0 "Autobahn servers" "Autobahn clients" -- --reports "$FX/pass"
expect "UNIMPLEMENTED fails in 12/13 too" 1 "\`12.1.1\`" "\`13.7.18\`" \
    -- --reports "$FX/unimplemented" --servers good
expect "pass: expected agent missing" 1 "expected agent 'tokio' is missing" \
    -- --reports "$FX/pass" --servers good,tokio
expect "pass: too few cases" 1 "only 5 cases, expected at least 100" \
    -- --reports "$FX/pass" --servers good --min-cases 100
expect "pass: exact planned case count" 0 "Verdict: PASS" \
    -- --reports "$FX/pass" --servers good --expect-cases servers=5 --clients --expect-cases clients=2
expect "pass: fewer cases than planned" 1 "5 cases, but wstest planned 301" \
    -- --reports "$FX/pass" --servers good --expect-cases servers=301
expect "pass: requested side has no index" 1 "cannot read" -- --reports "$FX/fail" --clients
expect "fail: NON-STRICT/FAILED/WRONG CODE/UNIMPLEMENTED/missing" 1 \
    "\`3.2\` behavior=NON-STRICT" "\`5.15\` behavior=OK behaviorClose=NON-STRICT" \
    "\`6.4.1\` behavior=FAILED" "three frames; the peer must fail fast" \
    "\`7.9.1\` behavior=OK behaviorClose=WRONG CODE" "\`9.1.1\` behavior=UNIMPLEMENTED" \
    "\`11.1.1\` behavior=OK behaviorClose=(missing)" "FAIL (6 problems)" \
    -- --reports "$FX/fail" --servers good,bad
expect "empty: agent with zero cases" 1 "clients/nobody: zero cases were run" -- --reports "$FX/empty"
expect "no reports at all" 2 "no index.json" -- --reports "$FX/does-not-exist"
expect "markdown file written" 0 -- --reports "$FX/pass" --markdown "$OUT/summary.md"
if [[ -s $OUT/summary.md ]] && grep -q "Verdict: PASS" "$OUT/summary.md"; then
    passed=$((passed + 1)); echo "ok   markdown file content"
else
    failed=$((failed + 1)); echo "FAIL markdown file content"
fi

echo "$passed passed, $failed failed"
((failed == 0))
