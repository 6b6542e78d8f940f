#!/usr/bin/env bash
# The README's test command: installs what is missing, starts a throw-away PostgreSQL, restores, builds Release,
# refuses a model change without a migration, runs every test project, and prints as its last line
#   tests: N passed, N failed, N skipped
# It exits non-zero on any failure, or when no test ran.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

# --browser: Debian's Chromium for the browser tests (Playwright drives it; no browser is downloaded).
"$repo/deploy/install.sh" --browser
# Screenshots of the main pages (browser tests) are kept here as the run's artifacts.
export HIKFLEET_ARTIFACTS="${HIKFLEET_ARTIFACTS:-$repo/.artifacts}"
rm -rf "$HIKFLEET_ARTIFACTS/screenshots"

work="$(mktemp -d /tmp/hikfleet-test.XXXXXX)"
chmod 755 "$work"
export HIKFLEET_PG_DIR="$work/pg" HIKFLEET_PG_FAST=1
# A private port nobody else uses (another test run, the dev cluster on 25432), below the kernel's ephemeral
# range (32768+) so no outgoing connection of a parallel test can be holding it.
for _ in $(seq 1 50); do
  port=$(( 20000 + RANDOM % 12000 ))
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
done
export HIKFLEET_PG_PORT="$port"

cleanup() {
  "$repo/deploy/pg.sh" stop || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${HIKFLEET_TEST_PG:-${ConnectionStrings__Fleet:-}}" ]; then
  # An existing server: tests create (and drop) one database per test class on it, so the role needs CREATEDB.
  export HIKFLEET_TEST_PG="${HIKFLEET_TEST_PG:-$ConnectionStrings__Fleet}"
  cleanup() { rm -rf "$work"; }
  echo "test.sh: using the PostgreSQL server given in the environment" >&2
else
  "$repo/deploy/pg.sh" start
  export HIKFLEET_TEST_PG="$("$repo/deploy/pg.sh" admin-url)"
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet tool restore >/dev/null
dotnet restore HikFleet.sln
dotnet build HikFleet.sln -c Release --no-restore

echo "test.sh: checking that every model change has a migration"
dotnet ef migrations has-pending-model-changes --project src/HikFleet.Core --startup-project src/HikFleet.Core \
  --configuration Release --no-build

results="$work/results"
output="$work/dotnet-test.txt"
status=0
dotnet test --solution HikFleet.sln -c Release --no-build \
  --report-xunit-trx --results-directory "$results" --ignore-exit-code 8 2>&1 | tee "$output" || status=$?
# The TRX files stay with the run's artifacts (a summary that disagrees with them can be looked into).
rm -rf "$HIKFLEET_ARTIFACTS/test-results"; mkdir -p "$HIKFLEET_ARTIFACTS" && cp -r "$results" "$HIKFLEET_ARTIFACTS/test-results" 2>/dev/null || true

passed=0; failed=0; skipped=0; total=0
shopt -s nullglob
for trx in "$results"/*.trx; do
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  t=$(get total); p=$(get passed); f=$(get failed); e=$(get error); x=$(get executed)
  total=$(( total + ${t:-0} ))
  passed=$(( passed + ${p:-0} ))
  failed=$(( failed + ${f:-0} + ${e:-0} ))
  skipped=$(( skipped + ${t:-0} - ${x:-${t:-0}} ))
done

# dotnet test's own totals over every project are the authority; the TRX counts cross-check them. (One run counted 111 tests
# fewer in the TRX files than dotnet test reported, every project passed; the cause is not known.)
last() { grep -E "^[[:space:]]*$1: [0-9]+[[:space:]]*\$" "$output" | tail -1 | grep -oE '[0-9]+' || true; }
run_total="$(last total)"; run_failed="$(last failed)"; run_passed="$(last succeeded)"; run_skipped="$(last skipped)"
if [ -n "$run_total" ] && [ -n "$run_passed" ]; then
  if [ "$run_total" -ne "$total" ] || [ "${run_passed}" -ne "$passed" ]; then
    echo "test.sh: the TRX files count $total tests ($passed passed), dotnet test $run_total ($run_passed passed); reporting dotnet test's" >&2
  fi
  trx_failed=$failed
  total=$run_total; passed=$run_passed; skipped=${run_skipped:-0}; failed=${run_failed:-0}
  if [ "$trx_failed" -gt "$failed" ]; then failed=$trx_failed; fi
fi

if [ "$total" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  status=1
fi
if [ "$failed" -gt 0 ] && [ "$status" -eq 0 ]; then status=1; fi

# Stop the cluster now, quietly, so the summary below is the very last line CI reads.
trap - EXIT
cleanup >/dev/null 2>&1
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
