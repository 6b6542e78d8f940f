#!/usr/bin/env bash
# Installs what HikFleet's run and test commands need on a Debian machine, and nothing that is already there.
#   deploy/install.sh            PostgreSQL server binaries, iproute2 (network-namespace tests), DejaVu fonts (PDF export),
#                                net-snmp's snmpd and python3 (the PoE switch agent the SNMP tests start on loopback)
#   deploy/install.sh --browser  also Debian's Chromium (browser tests drive it through Playwright; no browser download)
set -euo pipefail

need=()
pg_present() { compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null; }
pg_present || need+=(postgresql)
command -v ip >/dev/null || need+=(iproute2)
command -v runuser >/dev/null || need+=(util-linux)
# The audit PDF export draws with DejaVu Sans (PDFsharp has no font source of its own on Linux).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# The SNMP tests run Debian's real agent with a python3 pass_persist script modelling a PoE switch (tests/HikFleet.Testing/Snmp).
[ -x /usr/sbin/snmpd ] || need+=(snmpd)
command -v python3 >/dev/null || need+=(python3)
if [ "${1:-}" = "--browser" ]; then
  command -v chromium >/dev/null || need+=(chromium)
fi

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: missing ${need[*]}; run as root (or: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "install.sh: installing ${need[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
  echo "install.sh: the .NET SDK 10 is required (dotnet on PATH); see https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi
