#!/usr/bin/env bash
# The demo fleet's PoE switch: Debian's net-snmp snmpd on udp 127.0.0.1:PORT serving the PoE switch model (poe_switch.py,
# pass_persist) in front of the simulator's cameras of the first demo site (simulator site S01). deploy/run.sh starts it in the
# background after the simulator and stops it on exit; the test harness (tests/HikFleet.Testing/Snmp) uses the same script and
# snmpd.conf template.
#
#   deploy/demo/poe-switch.sh CONTROL_URL STATE_DIR PORT
#     CONTROL_URL  the simulator's control API, e.g. http://127.0.0.1:18999 (loopback only)
#     STATE_DIR    e.g. .data/poe: snmpd.conf, state.json (the model), persist/ (engine ID, boots), community (v2c, mode 0600),
#                  v3 (user, SHA password, AES password; one a line, mode 0600). The credentials are kept between runs.
#     PORT         UDP port on 127.0.0.1
#
# The switch: one PoE port per S01 device (its MAC learned on it; the simulator's "offline" devices sit on a port in fault),
# free PoE ports up to a multiple of 8, then a non-PoE uplink carrying several MACs; a PSE budget of 8.125 W per PoE port
# (16 ports: 130 W, like common PoE+ access switches). A SET of a port's pethPsePortAdminEnable powers its camera off/on through
# the control API. The model is rebuilt on every start (the simulator starts with every camera powered).
# Runs snmpd in the foreground (exec): stop it with SIGTERM; its pass_persist children end with it.
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: deploy/demo/poe-switch.sh CONTROL_URL STATE_DIR PORT" >&2
  exit 2
fi
control="$1" state_dir="$2" port="$3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
snmpd="${SNMPD:-/usr/sbin/snmpd}"
python="$(command -v python3 || true)"
if [ ! -x "$snmpd" ]; then echo "poe-switch: $snmpd is missing (Debian package snmpd; deploy/install.sh installs it)" >&2; exit 3; fi
if [ -z "$python" ]; then echo "poe-switch: python3 is missing (deploy/install.sh installs it)" >&2; exit 3; fi
case "$port" in ''|*[!0-9]*) echo "poe-switch: PORT must be a number" >&2; exit 2 ;; esac

mkdir -p "$state_dir"
state_dir="$(cd "$state_dir" && pwd)"
chmod 700 "$state_dir"
mkdir -p "$state_dir/persist" "$state_dir/mibs"
# snmpd saves engine boots and its engine ID here; with -C it reads the file only when named with -c (below).
touch "$state_dir/persist/snmpd.conf"
cp "$here/poe_switch.py" "$state_dir/poe_switch.py"

# Credentials: random on the first start, kept for the next (HikFleet has them sealed in its vault).
umask 077
random_hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
if [ ! -s "$state_dir/community" ]; then printf 'c%s\n' "$(random_hex 12)" >"$state_dir/community"; fi
if [ ! -s "$state_dir/v3" ]; then printf 'u%s\na%s\np%s\n' "$(random_hex 4)" "$(random_hex 12)" "$(random_hex 12)" >"$state_dir/v3"; fi
chmod 600 "$state_dir/community" "$state_dir/v3"

"$python" - "$control" "$state_dir" "$here/snmpd.conf.template" "$python" <<'PY'
import json, os, sys, urllib.parse, urllib.request, zlib

control, state_dir, template, python = sys.argv[1:5]
host = urllib.parse.urlparse(control).hostname or ''
if not host.startswith('127.'):
    sys.exit('poe-switch: the control URL must be on loopback (127.0.0.0/8)')
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, whatever the environment says
with opener.open(control.rstrip('/') + '/devices', timeout=10) as r:
    devices = json.loads(r.read(16 * 1024 * 1024))
sites = sorted({d.get('site') or 'S01' for d in devices})
site = sites[0] if sites else 'S01'
members = [d for d in devices if (d.get('site') or 'S01') == site][:48]

ports = []
for n, d in enumerate(members, start=1):
    faults = d.get('faults') or {}
    # Deterministic draw per camera, 4.2-7.8 W: class 2 up to 6.49 W, class 3 above (IEEE 802.3af classes).
    watts = round(4.2 + (zlib.crc32(d['serial'].encode()) % 37) / 10, 1)
    ports.append({
        'group': 1, 'port': n, 'poe': True, 'adminEnabled': True, 'poweredDevice': True,
        'fault': bool(faults.get('offline')),   # the scenario's "dead PoE port": detection fault, no link, no MAC learned
        'serial': d['serial'], 'macs': [d['mac'].lower()], 'vlan': 1,
        'powerClass': 2 if watts <= 6.49 else 3, 'watts': watts, 'type': (d.get('name') or d['serial'])[:32],
    })
poe_ports = max(8, -(-len(ports) // 8) * 8)
for n in range(len(ports) + 1, poe_ports + 1):
    ports.append({'group': 1, 'port': n, 'poe': True, 'adminEnabled': True, 'poweredDevice': False, 'macs': []})
# The uplink to the core: the NVR, the router and the rest of the network are learned behind it.
ports.append({'group': 1, 'port': poe_ports + 1, 'poe': False, 'type': 'uplink', 'vlan': 1,
              'macs': ['02:00:5e:10:00:%02x' % i for i in range(1, 13)]})
ports.append({'group': 1, 'port': poe_ports + 2, 'poe': False, 'type': 'uplink (spare)', 'macs': []})
budget = int(poe_ports * 8.125)
name = 'poe-sw-' + ''.join(c if c.isalnum() else '-' for c in site.lower())
description = f'HikFleet demo PoE switch, {poe_ports} x PoE+ 10/100 + 2 uplinks, {budget} W (simulated: net-snmp snmpd + poe_switch.py)'
model = {
    'name': name, 'description': description, 'objectId': '1.3.6.1.4.1.8072.3.2.10', 'bridgeMac': '00:00:5e:00:53:01',
    'qBridge': True, 'flushFdbOnLinkDown': True, 'controlUrl': control.rstrip('/') + '/',
    'pses': [{'group': 1, 'powerWatts': budget, 'operStatus': 1, 'usageThresholdPercent': 90}],
    'ports': ports, 'events': [],
}
state = os.path.join(state_dir, 'state.json')
tmp = state + '.tmp'
with open(tmp, 'w', encoding='utf-8') as f:
    json.dump(model, f, indent=1)
os.replace(tmp, state)

with open(os.path.join(state_dir, 'community'), encoding='utf-8') as f:
    community = f.read().strip()
with open(os.path.join(state_dir, 'v3'), encoding='utf-8') as f:
    user, auth, priv = (line.strip() for line in f.read().splitlines()[:3])
values = {
    'COMMUNITY': community, 'V3USER': user, 'V3AUTH': auth, 'V3PRIV': priv, 'DESCRIPTION': description, 'NAME': name,
    'OBJECTID': '.1.3.6.1.4.1.8072.3.2.10', 'LOCATION': 'HikFleet demo, simulator site ' + site, 'PYTHON': python,
    'SCRIPT': os.path.join(state_dir, 'poe_switch.py'), 'STATE': state,
}
with open(template, encoding='utf-8') as f:
    text = f.read()
for key, value in values.items():
    text = text.replace('@' + key + '@', value.replace('\n', ' ').replace('"', "'"))
with open(os.path.join(state_dir, 'snmpd.conf'), 'w', encoding='utf-8') as f:
    f.write(text)
print(f'poe-switch: {name}: {len(members)} camera port(s) of site {site}, {poe_ports} PoE ports, {budget} W budget', file=sys.stderr)
PY

export SNMP_PERSISTENT_DIR="$state_dir/persist" SNMPCONFPATH="$state_dir" MIBDIRS="$state_dir/mibs" MIBS="" HOME="$state_dir"
# -f foreground, -Lo log to stdout, -C no default config files, -c ours plus the persistent one; listening on loopback only.
# -I -smux: no SMUX listener (tcp 199; nothing here uses it, and a second agent on the machine would find it taken).
exec "$snmpd" -f -Lo -C -c "$state_dir/snmpd.conf,$state_dir/persist/snmpd.conf" -I -smux -p "$state_dir/snmpd.pid" "udp:127.0.0.1:$port"
