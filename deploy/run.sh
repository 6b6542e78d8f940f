#!/usr/bin/env bash
# The README's run command: installs what is missing, starts the private PostgreSQL (data kept in .data/ between
# runs), a simulated fleet of 60 cameras on loopback (3 tenants x 2 sites, with a realistic mix of faults) wired into HikFleet,
# a simulated PoE switch in front of the first site's cameras (Debian's snmpd on udp 127.0.0.1; skipped if snmpd is missing),
# and HikFleet at http://127.0.0.1:5080 with an administrator whose sign-in it prints. Ctrl+C stops everything.
#
#   deploy/run.sh                  with the simulated fleet (first five minutes, demos)
#   deploy/run.sh --no-simulator   HikFleet alone, for real cameras (first start prints a one-time setup link instead)
#
# Settings (environment): HIKFLEET_URL (default http://127.0.0.1:5080); ConnectionStrings__Fleet to use another
# PostgreSQL instead of the private one; HIKFLEET_SIM_CONTROL (default 127.0.0.1:18999) for the simulator's control API;
# HIKFLEET_POE_PORT (default 18161) for the demo PoE switch's SNMP port on 127.0.0.1.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
url="${HIKFLEET_URL:-http://127.0.0.1:5080}"
app_dir="$repo/.data/app"
app_pid=""
sim_pid=""
poe_pid=""
poe_args=()
own_pg=0
simulator=1
for arg in "$@"; do
  case "$arg" in
    --no-simulator) simulator=0 ;;
    *) echo "usage: deploy/run.sh [--no-simulator]" >&2; exit 2 ;;
  esac
done
control="${HIKFLEET_SIM_CONTROL:-127.0.0.1:18999}"
poe_port="${HIKFLEET_POE_PORT:-18161}"

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
  if [ -n "$poe_pid" ] && kill -0 "$poe_pid" 2>/dev/null; then
    kill -TERM "$poe_pid" 2>/dev/null   # snmpd itself (the script execs it); its pass_persist children end with it
    wait "$poe_pid" 2>/dev/null
  fi
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -TERM "$sim_pid" 2>/dev/null
    wait "$sim_pid" 2>/dev/null
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
if [ "$simulator" = 1 ]; then
  echo "run.sh: starting the simulated fleet (60 cameras on 127.20.0.x, control API http://$control)..." >&2
  dotnet publish src/HikFleet.Simulator -c Release -o "$repo/.data/simulator" --nologo -v quiet -p:UseAppHost=false >/dev/null
  (cd "$repo/.data/simulator" && exec dotnet HikFleet.Simulator.dll --cameras 60 --sites 6 --seed 7 \
     --scenario "$repo/deploy/demo/scenario.json" --control "$control" >"$repo/.data/logs/simulator.log" 2>&1) &
  sim_pid=$!
  for _ in $(seq 1 120); do
    if ! kill -0 "$sim_pid" 2>/dev/null; then echo "run.sh: the simulator exited; see .data/logs/simulator.log" >&2; exit 1; fi
    if grep -q "^ready:" "$repo/.data/logs/simulator.log" 2>/dev/null; then break; fi
    sleep 0.5
  done
  # The demo PoE switch in front of the first site's cameras (issue #14): power-cycling a hung camera's port is part of the tour.
  if [ -x /usr/sbin/snmpd ] && command -v python3 >/dev/null 2>&1; then
    echo "run.sh: starting the demo PoE switch (SNMP on udp 127.0.0.1:$poe_port, state in .data/poe)..." >&2
    "$repo/deploy/demo/poe-switch.sh" "http://$control" "$repo/.data/poe" "$poe_port" >"$repo/.data/logs/poe-switch.log" 2>&1 &
    poe_pid=$!
    for _ in $(seq 1 60); do
      if ! kill -0 "$poe_pid" 2>/dev/null; then
        echo "run.sh: the demo PoE switch exited (see .data/logs/poe-switch.log); going on without it" >&2
        poe_pid=""
        break
      fi
      if grep -q "^NET-SNMP version" "$repo/.data/logs/poe-switch.log" 2>/dev/null; then
        poe_args=(--poe "udp://127.0.0.1:$poe_port" --poe-community-file "$repo/.data/poe/community")
        break
      fi
      sleep 0.5
    done
  else
    echo "run.sh: snmpd or python3 is missing (deploy/install.sh installs both): going on without the demo PoE switch" >&2
  fi
  # The administrator of this demo installation: created on the first start (only while no user exists), kept for the next runs.
  secret_file="$repo/.data/demo-admin-password"
  if [ ! -f "$secret_file" ]; then
    (umask 077; printf 'Demo-%s!7a' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$secret_file")
  fi
  export Fleet__Bootstrap__AdminUser=admin Fleet__Bootstrap__AdminPassword="$(cat "$secret_file")"
fi

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
# GC gen0 budget of 64 MB, as deploy/Dockerfile sets it (why: there and docs/performance.md); the environment is the only way.
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x4000000}"
(cd "$app_dir" && exec dotnet HikFleet.Web.dll --urls "$url") &
app_pid=$!

# Say where to go once it answers.
for _ in $(seq 1 120); do
  if ! kill -0 "$app_pid" 2>/dev/null; then echo "run.sh: HikFleet exited; see the log above." >&2; exit 1; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/${url##*:}") 2>/dev/null; then break; fi
  sleep 0.5
done
if [ "$simulator" = 1 ]; then
  # Wire the simulated fleet into HikFleet (idempotent: a second run changes nothing). The app must have migrated first.
  for _ in $(seq 1 60); do
    if (cd "$app_dir" && dotnet HikFleet.Web.dll demo seed --devices "http://$control/devices" "${poe_args[@]}") 2>>"$repo/.data/logs/demo-seed.log"; then seeded=1; break; fi
    sleep 1
  done
  [ "${seeded:-0}" = 1 ] || { echo "run.sh: could not wire the simulated fleet in; see .data/logs/demo-seed.log" >&2; exit 1; }
fi
echo
echo "  HikFleet is running: open $url"
if [ "$simulator" = 1 ]; then
  echo "  Sign in as admin with password $(cat "$repo/.data/demo-admin-password")   (the simulated fleet's problems show within a minute)"
  echo "  Simulator: http://$control/ (devices, faults)"
  if [ ${#poe_args[@]} -gt 0 ]; then echo "  PoE switch: Warehouse North PoE switch, SNMP udp 127.0.0.1:$poe_port (community in .data/poe/community)"; fi
fi
echo "  Logs: .data/logs/   Data: .data/pg/   Press Ctrl+C to stop everything."
echo
wait "$app_pid"
