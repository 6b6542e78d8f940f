#!/usr/bin/env bash
# A private PostgreSQL cluster for development and tests: owned by the `postgres` OS user, in a project-local
# data directory, listening on 127.0.0.1 only, on a private port, with its socket in the project's own directory.
#
#   deploy/pg.sh start     initialise on first use (roles postgres, hikfleet_owner (schema owner) and hikfleet (the
#                          application: data rights only), database hikfleet), then start
#   deploy/pg.sh stop      stop it (fast shutdown)
#   deploy/pg.sh status    say whether it runs
#   deploy/pg.sh url       print the application's connection string (ConnectionStrings__Fleet)
#   deploy/pg.sh owner-url print the schema owner's connection string (ConnectionStrings__FleetOwner: migrations only)
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
  pgpw="$(new_password)"
  apppw="$(new_password)"
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
SQL
  ensure_owner_role
  echo "pg.sh: initialised a new cluster in $data" >&2
}

new_password() { head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24; }

psql_admin() { as_pg "$(pg_bin)/psql" -h "$sock" -p "$port" -U postgres -v ON_ERROR_STOP=1 -q "$@" >/dev/null; }

# The schema owner (runs migrations) is a different role from the application's (data rights only), so the application cannot
# disable the audit trail's append-only trigger. Also upgrades clusters created before the split (the app role owned everything).
ensure_owner_role() {
  [ -f "$secrets/hikfleet_owner.password" ] && return 0
  local ownerpw; ownerpw="$(new_password)"
  psql_admin -d postgres <<SQL
CREATE ROLE hikfleet_owner LOGIN PASSWORD '$ownerpw';
SQL
  if as_pg "$(pg_bin)/psql" -h "$sock" -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'hikfleet'" | grep -q 1; then
    psql_admin -d hikfleet <<SQL
ALTER DATABASE hikfleet OWNER TO hikfleet_owner;
ALTER SCHEMA public OWNER TO hikfleet_owner;
-- Only the fleet schema (public) changes hands; Hangfire's own schema stays with the application, which maintains it.
DO \$\$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
             -- sequences owned by a column follow their table
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')) LOOP
    EXECUTE format('ALTER %s public.%I OWNER TO hikfleet_owner',
      CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, r.relname);
  END LOOP;
END
\$\$;
SQL
  else
    psql_admin -d postgres -c "CREATE DATABASE hikfleet OWNER hikfleet_owner"
    psql_admin -d hikfleet -c "ALTER SCHEMA public OWNER TO hikfleet_owner"
  fi
  printf '%s' "$ownerpw" > "$secrets/hikfleet_owner.password"
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
    ensure_owner_role
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
  owner-url)
    echo "Host=127.0.0.1;Port=$port;Database=hikfleet;Username=hikfleet_owner;Password=$(password_of hikfleet_owner)"
    ;;
  admin-url)
    echo "Host=127.0.0.1;Port=$port;Database=postgres;Username=postgres;Password=$(password_of postgres)"
    ;;
  *)
    echo "usage: $0 start|stop|status|url|owner-url|admin-url" >&2; exit 2
    ;;
esac
