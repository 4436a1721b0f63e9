#!/usr/bin/env bash
# Runs Promoter's tests on a fresh Debian machine with the .NET 10 SDK: installs what the tests need
# (idempotently: apt and npm packages, see tests/setup.d/), builds the solution, runs every test project
# and prints the totals as the last line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

results=TestResults
rm -rf "$results"
mkdir -p "$results"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is needed: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== Installing test dependencies (tests/setup.d)"
for script in tests/setup.d/*.sh; do
  [ -e "$script" ] || continue
  echo "-- $script"
  if ! bash "$script"; then
    echo "setup script $script failed" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
done

echo "== Building"
if ! dotnet build Promoter.sln -c Debug -nologo -v quiet -clp:ErrorsOnly; then
  echo "build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== Testing"
dotnet test Promoter.sln -c Debug --no-build -nologo -v quiet \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 10m "$@" > "$results/console.log" 2>&1
status=$?
grep -E '^\s*(Failed|Passed!|Failed!|Skipped) |error|Error Message|Assert\.|Stack Trace|^\s+at Promoter' "$results/console.log" | grep -vE '^\s+Passed ' | head -400

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  s=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
done

trx_count=$(ls "$results"/*.trx 2>/dev/null | wc -l)
projects=$(ls -d tests/*.Tests 2>/dev/null | wc -l)
if [ "$trx_count" -lt "$projects" ]; then
  echo "only $trx_count of $projects test projects reported results (a test host crashed?); see $results/console.log" >&2
  failed=$((failed + projects - trx_count))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status; see $results/console.log" >&2
  failed=1
fi

if [ "$skipped" -gt 0 ]; then
  echo "$skipped skipped"
fi
# The last line, which CI reads: the real counts.
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
