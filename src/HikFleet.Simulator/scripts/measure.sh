#!/usr/bin/env bash
# Manual benchmark (not CI): start N virtual devices, report time to "ready" and resident memory, then stop.
# usage: src/HikFleet.Simulator/scripts/measure.sh [N=10000] [HTTP_PORT=80]
set -euo pipefail
n="${1:-10000}"; port="${2:-80}"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
dotnet build "$root/src/HikFleet.Simulator" -c Release -v q -nologo >/dev/null
out="$(mktemp)"
start=$(date +%s.%N)
dotnet "$root/src/HikFleet.Simulator/bin/Release/net10.0/HikFleet.Simulator.dll" --cameras "$n" --sites 20 --http-port "$port" \
    --control 127.0.0.1:0 --sadp-port 0 --exit-with-parent >"$out" 2>&1 &  # ends with this script, even on SIGKILL
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; rm -f "$out"' EXIT
until grep -q '^ready:' "$out"; do
    kill -0 $pid 2>/dev/null || { cat "$out"; exit 1; }
    sleep 0.1
done
end=$(date +%s.%N)
cat "$out"
echo "wall clock to ready: $(echo "$end - $start" | bc) s"
grep -E 'VmRSS|VmHWM' /proc/$pid/status
echo "open fds: $(ls /proc/$pid/fd | wc -l)"
