#!/usr/bin/env bash
# The README's run command: installs what is missing, starts the private PostgreSQL (data kept in .data/ between
# runs), builds and starts HikFleet at http://127.0.0.1:5080. Ctrl+C stops HikFleet and PostgreSQL; nothing stays behind.
#
# Settings (environment): HIKFLEET_URL (default http://127.0.0.1:5080); ConnectionStrings__Fleet to use another
# PostgreSQL instead of the private one.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
url="${HIKFLEET_URL:-http://127.0.0.1:5080}"
app_dir="$repo/.data/app"
app_pid=""
own_pg=0

"$repo/deploy/install.sh"

stop_all() {
  trap - INT TERM EXIT
  # Ctrl+C also ends whatever reads our output (a pager, tee): a write to a closed pipe must not abort the clean-up.
  trap '' PIPE
  set +e
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
    { echo "run.sh: stopping HikFleet..." >&2; } 2>/dev/null
    kill -TERM "$app_pid" 2>/dev/null
    wait "$app_pid" 2>/dev/null
  fi
  if [ "$own_pg" = 1 ]; then "$repo/deploy/pg.sh" stop >/dev/null 2>&1; fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

if [ -z "${ConnectionStrings__Fleet:-}" ]; then
  # Stop PostgreSQL at the end only if this run started it: a cluster that was already up (tests, another session) stays up.
  if ! "$repo/deploy/pg.sh" status >/dev/null 2>&1; then own_pg=1; fi
  "$repo/deploy/pg.sh" start
  ConnectionStrings__Fleet="$("$repo/deploy/pg.sh" url)"
  # Migrations run as the schema owner; the app itself only gets data rights (it cannot alter the audit trail).
  ConnectionStrings__FleetOwner="$("$repo/deploy/pg.sh" owner-url)"
  export ConnectionStrings__Fleet ConnectionStrings__FleetOwner
fi

echo "run.sh: building HikFleet (Release)..." >&2
dotnet publish src/HikFleet.Web -c Release -o "$app_dir" --nologo -v quiet -p:UseAppHost=false >/dev/null

mkdir -p "$repo/.data/logs"
export ASPNETCORE_URLS="$url" ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
export Serilog__WriteTo__1__Args__path="$repo/.data/logs/hikfleet-.log"
export Fleet__DataProtection__KeysPath="${Fleet__DataProtection__KeysPath:-$repo/.data/keys}"
# The credential vault's key-encryption key: created on first start, kept apart from the database (back it up separately).
export Fleet__Vault__KeyFile="${Fleet__Vault__KeyFile:-$repo/.data/vault/vault.key}"
# Audit chain checkpoints, outside the database: they reveal entries cut off the end of the trail.
export Fleet__Audit__CheckpointFile="${Fleet__Audit__CheckpointFile:-$repo/.data/audit/checkpoints.log}"
# Firmware images (content-addressed files; the library's rows are in the database): back up with it.
export Fleet__Firmware__Directory="${Fleet__Firmware__Directory:-$repo/.data/firmware}"
(cd "$app_dir" && exec dotnet HikFleet.Web.dll --urls "$url") &
app_pid=$!

# Say where to go once it answers.
for _ in $(seq 1 120); do
  if ! kill -0 "$app_pid" 2>/dev/null; then echo "run.sh: HikFleet exited; see the log above." >&2; exit 1; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/${url##*:}") 2>/dev/null; then break; fi
  sleep 0.5
done
echo
echo "  HikFleet is running: open $url"
echo "  Logs: .data/logs/   Data: .data/pg/   Press Ctrl+C to stop everything."
echo
wait "$app_pid"
