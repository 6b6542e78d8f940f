#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests: owned by the `postgres` OS user, in a project-local
# data directory, listening on 127.0.0.1 only, on a private port, with its socket in the project's own directory.
#
#   deploy/pg.sh start     initialise on first use (roles hikfleet + postgres, database hikfleet), then start
#   deploy/pg.sh stop      stop it (fast shutdown)
#   deploy/pg.sh status    say whether it runs
#   deploy/pg.sh url       print the application's connection string (ConnectionStrings__Fleet)
#   deploy/pg.sh admin-url print the superuser connection string (tests create a database per test class with it)
#
# Settings (environment): HIKFLEET_PG_DIR (default <repo>/.data/pg), HIKFLEET_PG_PORT (default 25432),
# HIKFLEET_PG_FAST=1 turns durability off (fsync, synchronous_commit, full_page_writes) for throw-away test clusters.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${HIKFLEET_PG_DIR:-$repo/.data/pg}"
port="${HIKFLEET_PG_PORT:-25432}"
data="$dir/data"
sock="$dir/socket"
secrets="$dir/secrets"

pg_bin() {
  local b
  for b in /usr/lib/postgresql/*/bin; do
    [ -x "$b/pg_ctl" ] && { echo "$b"; return 0; }
  done
  return 1
}

ensure_installed() {
  if ! pg_bin >/dev/null; then
    echo "pg.sh: installing PostgreSQL (Debian package)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    # Debian's package starts its own cluster on 5432 where a service manager exists; we only use the binaries.
  fi
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
}

as_pg() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

password_of() { cat "$secrets/$1.password"; }

init_cluster() {
  local bin; bin="$(pg_bin)"
  mkdir -p "$dir" "$sock" "$secrets"
  chmod 700 "$secrets"
  # PostgreSQL refuses to run as root; the directories must belong to the postgres user it runs as.
  chown postgres: "$dir" "$sock"
  local pgpw apppw
  pgpw="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
  apppw="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24)"
  printf '%s' "$pgpw" > "$secrets/postgres.password"
  printf '%s' "$apppw" > "$secrets/hikfleet.password"
  local pwfile; pwfile="$(mktemp)"; printf '%s\n' "$pgpw" > "$pwfile"; chown postgres: "$pwfile"
  as_pg "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$sock'"
    echo "max_connections = 300"
    echo "shared_buffers = 128MB"
    if [ "${HIKFLEET_PG_FAST:-0}" = 1 ]; then
      echo "fsync = off"; echo "synchronous_commit = off"; echo "full_page_writes = off"
    fi
  } | as_pg tee -a "$data/postgresql.conf" >/dev/null
  start_server
  as_pg "$bin/psql" -h "$sock" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q >/dev/null <<SQL
CREATE ROLE hikfleet LOGIN PASSWORD '$apppw';
CREATE DATABASE hikfleet OWNER hikfleet;
SQL
  echo "pg.sh: initialised a new cluster in $data" >&2
}

start_server() {
  local bin; bin="$(pg_bin)"
  as_pg "$bin/pg_ctl" -D "$data" -l "$dir/postgresql.log" -w -t 60 -o "-p $port -k $sock" start >/dev/null
}

running() {
  local bin; bin="$(pg_bin)" || return 1
  [ -f "$data/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

case "${1:-}" in
  start)
    ensure_installed
    if [ ! -f "$data/PG_VERSION" ]; then
      init_cluster
    elif ! running; then
      start_server
    fi
    echo "pg.sh: PostgreSQL is up on 127.0.0.1:$port (data: $data)" >&2
    ;;
  stop)
    if running; then as_pg "$(pg_bin)/pg_ctl" -D "$data" -m fast -w stop >/dev/null; echo "pg.sh: stopped" >&2; fi
    ;;
  status)
    if running; then echo "running on 127.0.0.1:$port"; else echo "stopped"; exit 3; fi
    ;;
  url)
    echo "Host=127.0.0.1;Port=$port;Database=hikfleet;Username=hikfleet;Password=$(password_of hikfleet)"
    ;;
  admin-url)
    echo "Host=127.0.0.1;Port=$port;Database=postgres;Username=postgres;Password=$(password_of postgres)"
    ;;
  *)
    echo "usage: $0 start|stop|status|url|admin-url" >&2; exit 2
    ;;
esac
