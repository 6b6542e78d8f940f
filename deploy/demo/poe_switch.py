#!/usr/bin/env python3
"""A PoE switch model for net-snmp's snmpd `pass_persist` (see docs/snmp.md).

Usage (from snmpd.conf):  pass_persist <ROOT> /usr/bin/python3 poe_switch.py <state.json> <ROOT>
ROOT is .1.3.6.1.2.1.105 (POWER-ETHERNET-MIB, RFC 3621) or .1.3.6.1.2.1.17 (BRIDGE-MIB RFC 4188 + Q-BRIDGE-MIB RFC 4363).

The state is a JSON file written atomically (rename) by the test harness (PoeSwitchAgent) and by this script; it is re-read
whenever it changed (checked on every request). Writers hold an exclusive flock on <state.json>.lock.

A SET of pethPsePortAdminEnable (false(2) = off, true(1) = on) changes the port, appends an event {port, group, on, at, serial,
delivered} and, when the port has a camera serial and the switch a controlUrl, POSTs {controlUrl}/devices/{serial}/power?on=...
to the simulator (loopback only).
"""
import bisect
import datetime
import fcntl
import json
import os
import sys
import tempfile
import urllib.parse
import urllib.request

STATE = sys.argv[1]
ROOT = tuple(int(x) for x in sys.argv[2].strip('.').split('.'))
LOCK = STATE + '.lock'

PETH = (1, 3, 6, 1, 2, 1, 105)
PSE_PORT = PETH + (1, 1, 1)          # pethPsePortEntry
MAIN_PSE = PETH + (1, 3, 1, 1)       # pethMainPseEntry
BRIDGE = (1, 3, 6, 1, 2, 1, 17)
BASE = BRIDGE + (1,)                 # dot1dBase
TP_FDB = BRIDGE + (4, 3, 1)          # dot1dTpFdbEntry
Q_FDB = BRIDGE + (7, 1, 2, 2, 1)     # dot1qTpFdbEntry
ADMIN_ENABLE = PSE_PORT + (3,)

LEARNED, SELF = 3, 4
_cache = {'key': None, 'state': None, 'table': None}


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat().replace('+00:00', 'Z')


def mac_bytes(mac):
    parts = mac.replace('-', ':').split(':')
    return tuple(int(p, 16) for p in parts)


def detection(port):
    """pethPsePortDetectionStatus: disabled(1) when admin off, deliveringPower(3) with a powered device attached, else searching(2)."""
    if not port.get('adminEnabled', True):
        return 1
    if port.get('fault'):
        return 4
    return 3 if port.get('poweredDevice', False) else 2


def link_up(port):
    """A port whose only device draws PoE has no link while the power is off; an uplink (no PD) always has link."""
    return not port.get('poweredDevice', False) or detection(port) == 3


def build_table(state):
    rows = {}
    ports = state.get('ports', [])
    if ROOT == PETH:
        for p in ports:
            if not p.get('poe', True):
                continue
            g, n = p.get('group', 1), p['port']
            c = p.get('counters', {})
            cls = p.get('powerClass', 0)
            cols = {
                3: ('integer', 1 if p.get('adminEnabled', True) else 2),
                4: ('integer', 2),                      # pethPsePortPowerPairsControlAbility false(2)
                5: ('integer', 1),                      # pethPsePortPowerPairs signal(1)
                6: ('integer', detection(p)),
                7: ('integer', p.get('priority', 3)),   # low(3)
                8: ('counter', c.get('mpsAbsent', 0)),
                9: ('string', p.get('type', '')),
                10: ('integer', cls + 1),               # class0(1) .. class4(5)
                11: ('counter', c.get('invalidSignature', 0)),
                12: ('counter', c.get('powerDenied', 0)),
                13: ('counter', c.get('overLoad', 0)),
                14: ('counter', c.get('short', 0)),
            }
            for col, v in cols.items():
                rows[PSE_PORT + (col, g, n)] = v
        for pse in state.get('pses', [{'group': 1, 'powerWatts': 370}]):
            g = pse.get('group', 1)
            used = sum(p.get('watts', 0) for p in ports if p.get('group', 1) == g and p.get('poe', True) and detection(p) == 3)
            rows[MAIN_PSE + (2, g)] = ('gauge', pse.get('powerWatts', 370))
            rows[MAIN_PSE + (3, g)] = ('integer', pse.get('operStatus', 1))
            rows[MAIN_PSE + (4, g)] = ('gauge', int(round(used)))
            rows[MAIN_PSE + (5, g)] = ('integer', pse.get('usageThresholdPercent', 90))
    elif ROOT == BRIDGE:
        bridge_mac = state.get('bridgeMac', '00:00:5e:00:53:01')
        rows[BASE + (1, 0)] = ('octet', ' '.join('%02x' % b for b in mac_bytes(bridge_mac)))
        rows[BASE + (2, 0)] = ('integer', len(ports))
        rows[BASE + (3, 0)] = ('integer', 2)    # transparent-only(2)
        for p in ports:
            rows[BASE + (4, 1, 1, p['port'])] = ('integer', p['port'])
            rows[BASE + (4, 1, 2, p['port'])] = ('integer', p.get('ifIndex', p['port']))
        fdb = []
        for p in ports:
            if not link_up(p) and state.get('flushFdbOnLinkDown', True):
                continue
            for m in p.get('macs', []):
                fdb.append((mac_bytes(m), p['port'], p.get('vlan', 1), LEARNED))
        fdb.append((mac_bytes(bridge_mac), 0, 1, SELF))
        for mac, port, vlan, status in fdb:
            rows[TP_FDB + (1,) + mac] = ('octet', ' '.join('%02x' % b for b in mac))
            rows[TP_FDB + (2,) + mac] = ('integer', port)
            rows[TP_FDB + (3,) + mac] = ('integer', status)
            if state.get('qBridge', True):
                rows[Q_FDB + (2, vlan) + mac] = ('integer', port)
                rows[Q_FDB + (3, vlan) + mac] = ('integer', status)
    return sorted(rows.items())


def load():
    try:
        st = os.stat(STATE)
        key = (st.st_ino, st.st_mtime_ns, st.st_size)
    except OSError:
        key = None
    if key != _cache['key'] or _cache['state'] is None:
        try:
            with open(STATE, encoding='utf-8') as f:
                state = json.load(f)
        except (OSError, ValueError):
            state = {'ports': []}
        table = build_table(state)
        _cache.update(key=key, state=state, table=table, keys=[o for o, _ in table])
    return _cache['state'], _cache['table'], _cache['keys']


def write_state(state):
    d = os.path.dirname(os.path.abspath(STATE))
    fd, tmp = tempfile.mkstemp(dir=d, prefix='.state-')
    with os.fdopen(fd, 'w', encoding='utf-8') as f:
        json.dump(state, f, indent=1)
    os.replace(tmp, STATE)


def parse_oid(text):
    try:
        return tuple(int(x) for x in text.strip().strip('.').split('.') if x != '')
    except ValueError:
        return None


def fmt(oid):
    return '.' + '.'.join(str(x) for x in oid)


def answer(oid, typ, value):
    out(fmt(oid))
    out(typ)
    out(str(value))


def out(line):
    sys.stdout.write(line + '\n')


def notify(state, port, on):
    """POST the simulator's power endpoint; only loopback hosts (tests never leave 127.0.0.0/8)."""
    url, serial = state.get('controlUrl'), port.get('serial')
    if not url or not serial:
        return None
    host = urllib.parse.urlparse(url).hostname or ''
    if not (host.startswith('127.') or host == 'localhost'):
        return 'refused: control URL is not loopback'
    target = url.rstrip('/') + '/devices/' + urllib.parse.quote(serial, safe='') + '/power?on=' + ('true' if on else 'false')
    # No proxies, whatever the environment says: this POST must stay on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(urllib.request.Request(target, data=b'', method='POST'), timeout=3) as r:
            r.read(65536)
        return None
    except Exception as e:  # noqa: BLE001 - any failure is recorded, the port still switches
        return str(e)[:200]


def do_set(oid, typ_value):
    if oid is None or len(oid) != len(ADMIN_ENABLE) + 2 or oid[:len(ADMIN_ENABLE)] != ADMIN_ENABLE:
        return 'not-writable'
    parts = typ_value.strip().split(None, 1)
    if len(parts) != 2 or parts[0].lower() != 'integer':
        return 'wrong-type'
    try:
        value = int(parts[1])
    except ValueError:
        return 'wrong-type'
    if value not in (1, 2):
        return 'wrong-value'
    group, number = oid[-2], oid[-1]
    on = value == 1
    with open(LOCK, 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(STATE, encoding='utf-8') as f:
                state = json.load(f)
        except (OSError, ValueError):
            return 'resource-unavailable'
        port = next((p for p in state.get('ports', []) if p['port'] == number and p.get('group', 1) == group and p.get('poe', True)), None)
        if port is None:
            return 'no-creation'
        changed = port.get('adminEnabled', True) != on
        port['adminEnabled'] = on
        error = notify(state, port, on) if changed else None
        state.setdefault('events', []).append({
            'group': group, 'port': number, 'on': on, 'at': now(), 'serial': port.get('serial'),
            'changed': changed, 'notifyError': error,
        })
        del state['events'][:-1000]
        write_state(state)
    _cache['key'] = None
    return 'DONE'


def main():
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        cmd = line.strip().lower()
        if cmd == 'ping':
            out('PONG')
        elif cmd in ('get', 'getnext'):
            oid = parse_oid(sys.stdin.readline())
            _, table, keys = load()
            found = None
            if oid is not None:
                i = bisect.bisect_left(keys, oid) if cmd == 'get' else bisect.bisect_right(keys, oid)
                if i < len(keys) and (cmd == 'getnext' or keys[i] == oid):
                    found = table[i]
            if found and found[0][:len(ROOT)] == ROOT:
                answer(found[0], found[1][0], found[1][1])
            else:
                out('NONE')
        elif cmd == 'set':
            oid = parse_oid(sys.stdin.readline())
            value = sys.stdin.readline()
            out(do_set(oid, value))
        elif cmd == '':
            continue
        else:
            out('NONE')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
