namespace HikFleet.Snmp.Poe;

/// <summary>
/// Reads and drives a PoE switch through the standard MIBs: POWER-ETHERNET-MIB (RFC 3621) ports and PSEs, BRIDGE-MIB (RFC 4188)
/// and Q-BRIDGE-MIB (RFC 4363) forwarding tables, SNMPv2-MIB system group. Switch answers are hostile input: bounded walks,
/// unknown enumerations mapped to Unknown, malformed rows skipped.
/// </summary>
/// <remarks>
/// RFC 3621 does not tie pethPsePortIndex to a bridge port; the switches this project targets (and the model in the tests) number
/// PoE ports like their front-panel ports, which is also their dot1dBasePort. <see cref="ReadBridgePortIfIndexAsync"/> gives the
/// ifIndex of each bridge port for switches where that matters.
/// </remarks>
public sealed class PoeSwitchMib(SnmpClient client)
{
    /// <summary>Most rows read from one table (a switch with a huge FDB, or one that lies, stops the walk with Malformed).</summary>
    public const int MaxTableRows = 50_000;

    internal static readonly ObjectIdentifier SysDescr = ObjectIdentifier.Parse("1.3.6.1.2.1.1.1.0");
    internal static readonly ObjectIdentifier SysObjectId = ObjectIdentifier.Parse("1.3.6.1.2.1.1.2.0");
    internal static readonly ObjectIdentifier SysUpTime = ObjectIdentifier.Parse("1.3.6.1.2.1.1.3.0");
    internal static readonly ObjectIdentifier SysName = ObjectIdentifier.Parse("1.3.6.1.2.1.1.5.0");
    /// <summary>pethPsePortEntry (RFC 3621): columns 3 admin, 6 detection, 8 MPS absent, 10 class, 12 denied, 13 overload, 14 short.</summary>
    internal static readonly ObjectIdentifier PsePortEntry = ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1");
    /// <summary>pethMainPseEntry: columns 2 power (W), 3 oper status, 4 consumption (W), 5 usage threshold (%).</summary>
    internal static readonly ObjectIdentifier MainPseEntry = ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.3.1.1");
    /// <summary>dot1qTpFdbEntry (Q-BRIDGE-MIB): index fdbId.mac, columns 2 port, 3 status.</summary>
    internal static readonly ObjectIdentifier QFdbEntry = ObjectIdentifier.Parse("1.3.6.1.2.1.17.7.1.2.2.1");
    /// <summary>dot1dTpFdbEntry (BRIDGE-MIB): index mac, columns 1 address, 2 port, 3 status.</summary>
    internal static readonly ObjectIdentifier DFdbEntry = ObjectIdentifier.Parse("1.3.6.1.2.1.17.4.3.1");
    /// <summary>dot1dBasePortIfIndex.</summary>
    internal static readonly ObjectIdentifier BasePortIfIndex = ObjectIdentifier.Parse("1.3.6.1.2.1.17.1.4.1.2");
    /// <summary>pethPsePortAdminEnable.</summary>
    public static readonly ObjectIdentifier PsePortAdminEnable = PsePortEntry.Append(3);

    /// <summary>The client this view talks through.</summary>
    public SnmpClient Client { get; } = client;

    /// <summary>The switch's system group.</summary>
    public async Task<SwitchIdentity> ReadIdentityAsync(SnmpTarget target, CancellationToken cancellationToken)
    {
        var v = await Client.GetAsync(target, [SysDescr, SysName, SysObjectId, SysUpTime], cancellationToken).ConfigureAwait(false);
        return new SwitchIdentity(
            Text(v[0].Value), Text(v[1].Value),
            v[2].Value.Type == SnmpValueType.ObjectIdentifier ? v[2].Value.AsOid().ToString() : "",
            v[3].Value.Type == SnmpValueType.TimeTicks ? v[3].Value.AsTimeSpan() : TimeSpan.Zero);
    }

    /// <summary>pethPsePortTable.</summary>
    public async Task<IReadOnlyList<PsePort>> ReadPortsAsync(SnmpTarget target, CancellationToken cancellationToken)
    {
        var rows = await ReadTableAsync(target, PsePortEntry, 2, cancellationToken).ConfigureAwait(false);
        var ports = new List<PsePort>();
        foreach (var (index, cells) in rows)
        {
            if (index.Length != 2 || index[0] > int.MaxValue || index[1] > int.MaxValue || !cells.TryGetValue(3, out var admin))
                continue;
            var detection = Enum(cells, 6, 1, 6, out var d) ? (PseDetectionStatus)d : PseDetectionStatus.Unknown;
            int? powerClass = detection == PseDetectionStatus.DeliveringPower && Enum(cells, 10, 1, 5, out var c) ? c - 1 : null;
            ports.Add(new PsePort((int)index[0], (int)index[1], Number(admin) == 1, detection, powerClass,
                Counter(cells, 8), Counter(cells, 12), Counter(cells, 13), Counter(cells, 14)));
        }
        return ports;
    }

    /// <summary>pethMainPseTable.</summary>
    public async Task<IReadOnlyList<MainPse>> ReadPsesAsync(SnmpTarget target, CancellationToken cancellationToken)
    {
        var rows = await ReadTableAsync(target, MainPseEntry, 1, cancellationToken).ConfigureAwait(false);
        var pses = new List<MainPse>();
        foreach (var (index, cells) in rows)
        {
            if (index.Length != 1 || index[0] > int.MaxValue || !cells.TryGetValue(2, out var power))
                continue;
            var status = Enum(cells, 3, 1, 3, out var s) ? (PseOperStatus)s : PseOperStatus.Unknown;
            var consumption = cells.TryGetValue(4, out var cv) ? Clamp(Number(cv)) : 0;
            int? threshold = Enum(cells, 5, 1, 99, out var t) ? t : null;
            pses.Add(new MainPse((int)index[0], Clamp(Number(power)), status, consumption, threshold));
        }
        return pses;
    }

    /// <summary>Q-BRIDGE dot1qTpFdbTable when the switch has it, else BRIDGE-MIB dot1dTpFdbTable.</summary>
    public async Task<IReadOnlyList<ForwardingEntry>> ReadForwardingTableAsync(SnmpTarget target, CancellationToken cancellationToken)
    {
        var entries = new List<ForwardingEntry>();
        // Q-BRIDGE first: it carries the VLAN (FDB id). The index is fdbId.m1.m2.m3.m4.m5.m6.
        foreach (var (index, cells) in await ReadTableAsync(target, QFdbEntry, 7, cancellationToken).ConfigureAwait(false))
        {
            if (MacOf(index.AsSpan(1)) is not { } mac || index[0] > int.MaxValue || !cells.TryGetValue(2, out var port) || Number(port) is < 0 or > int.MaxValue)
                continue;
            entries.Add(new ForwardingEntry(mac, (int)Number(port), (int)index[0], cells.TryGetValue(3, out var st) && Number(st) == 3));
        }
        if (entries.Count > 0)
            return entries;
        // BRIDGE-MIB fallback (switches without Q-BRIDGE, or with VLAN-unaware FDBs): index is the MAC.
        foreach (var (index, cells) in await ReadTableAsync(target, DFdbEntry, 6, cancellationToken).ConfigureAwait(false))
        {
            if (MacOf(index) is not { } mac || !cells.TryGetValue(2, out var port) || Number(port) is < 0 or > int.MaxValue)
                continue;
            entries.Add(new ForwardingEntry(mac, (int)Number(port), null, cells.TryGetValue(3, out var st) && Number(st) == 3));
        }
        return entries;
    }

    /// <summary>dot1dBasePortIfIndex: bridge port → ifIndex.</summary>
    public async Task<IReadOnlyDictionary<int, int>> ReadBridgePortIfIndexAsync(SnmpTarget target, CancellationToken cancellationToken)
    {
        var map = new Dictionary<int, int>();
        foreach (var vb in await Client.WalkAsync(target, BasePortIfIndex, cancellationToken, MaxTableRows).ConfigureAwait(false))
        {
            if (vb.Oid.Arcs.Count == BasePortIfIndex.Arcs.Count + 1 && vb.Oid.Arcs[^1] <= int.MaxValue && vb.Value.IsNumber && Number(vb.Value) is > 0 and <= int.MaxValue)
                map[(int)vb.Oid.Arcs[^1]] = (int)Number(vb.Value);
        }
        return map;
    }

    /// <summary>pethPsePortAdminEnable.{group}.{port} := true(1) / false(2).</summary>
    public async Task SetPortPowerAsync(SnmpTarget target, int group, int port, bool enabled, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(group);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        var oid = PsePortAdminEnable.Append((uint)group, (uint)port);
        await Client.SetAsync(target, [new VarBind(oid, SnmpValue.Integer(enabled ? 1 : 2))], cancellationToken).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>Walks a table entry and groups cells by row index: index arcs → (column → value). Rows with the wrong index length are dropped.</summary>
    private async Task<List<(uint[] Index, Dictionary<uint, SnmpValue> Cells)>> ReadTableAsync(SnmpTarget target, ObjectIdentifier entry, int indexLength, CancellationToken ct)
    {
        var rows = new Dictionary<string, (uint[] Index, Dictionary<uint, SnmpValue> Cells)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var vb in await Client.WalkAsync(target, entry, ct, MaxTableRows).ConfigureAwait(false))
        {
            var arcs = vb.Oid.Arcs;
            if (arcs.Count != entry.Arcs.Count + 1 + indexLength || vb.Value.IsException)
                continue;
            var column = arcs[entry.Arcs.Count];
            var index = arcs.Skip(entry.Arcs.Count + 1).ToArray();
            var key = string.Join('.', index);
            if (!rows.TryGetValue(key, out var row))
            {
                rows[key] = row = (index, []);
                order.Add(key);
            }
            row.Cells[column] = vb.Value;
        }
        return order.Select(k => rows[k]).OrderBy(r => r.Index, IndexComparer.Instance).ToList();
    }

    private sealed class IndexComparer : IComparer<uint[]>
    {
        public static readonly IndexComparer Instance = new();
        public int Compare(uint[]? x, uint[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    private static string? MacOf(ReadOnlySpan<uint> arcs)
    {
        if (arcs.Length != 6)
            return null;
        Span<byte> b = stackalloc byte[6];
        for (var i = 0; i < 6; i++)
        {
            if (arcs[i] > 255)
                return null;
            b[i] = (byte)arcs[i];
        }
        return string.Join(':', b.ToArray().Select(x => x.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static long Number(SnmpValue v) => v.IsNumber && (v.Type != SnmpValueType.Counter64 || v.AsUInt64() <= long.MaxValue) ? v.AsInt64() : -1;

    private static long Counter(Dictionary<uint, SnmpValue> cells, uint column) => cells.TryGetValue(column, out var v) ? Math.Max(0, Number(v)) : 0;

    private static bool Enum(Dictionary<uint, SnmpValue> cells, uint column, int min, int max, out int value)
    {
        value = 0;
        if (!cells.TryGetValue(column, out var v) || Number(v) is var n && (n < min || n > max))
            return false;
        value = (int)Number(v);
        return true;
    }

    private static int Clamp(long v) => (int)Math.Clamp(v, 0, int.MaxValue);

    /// <summary>Display text from an OCTET STRING (bounded, control characters dropped: switch strings end up in the UI and logs).</summary>
    private static string Text(SnmpValue v)
    {
        if (v.Type != SnmpValueType.OctetString)
            return "";
        var s = v.AsString();
        if (s.Length > 255)
            s = s[..255];
        return new string(s.Where(c => !char.IsControl(c)).ToArray()).Trim();
    }
}
