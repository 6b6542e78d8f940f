namespace HikFleet.Snmp.Ber;

/// <summary>PDU kinds: the [CONTEXT n] tag numbers of RFC 3416 section 3.</summary>
public enum PduType
{
    /// <summary>GetRequest-PDU [0].</summary>
    GetRequest = 0,
    /// <summary>GetNextRequest-PDU [1].</summary>
    GetNextRequest = 1,
    /// <summary>Response-PDU [2].</summary>
    Response = 2,
    /// <summary>SetRequest-PDU [3].</summary>
    SetRequest = 3,
    /// <summary>SNMPv1 Trap-PDU [4] (never decoded: a manager never asked for it).</summary>
    TrapV1 = 4,
    /// <summary>GetBulkRequest-PDU [5].</summary>
    GetBulkRequest = 5,
    /// <summary>InformRequest-PDU [6].</summary>
    InformRequest = 6,
    /// <summary>SNMPv2-Trap-PDU [7].</summary>
    TrapV2 = 7,
    /// <summary>Report-PDU [8].</summary>
    Report = 8,
}

/// <summary>
/// One PDU. For GetBulk, <see cref="ErrorStatus"/> carries non-repeaters and <see cref="ErrorIndex"/> max-repetitions (the same
/// two INTEGER fields on the wire, RFC 3416 section 3).
/// </summary>
public sealed record Pdu(PduType Type, int RequestId, int ErrorStatus, int ErrorIndex, IReadOnlyList<VarBind> VarBinds);

/// <summary>RFC 3416 error-status values.</summary>
public static class SnmpErrorStatus
{
    /// <summary>tooBig(1): the answer would not fit a message (GetBulk: ask for fewer repetitions).</summary>
    public const int TooBig = 1;

    /// <summary>The RFC 3416 name of an error-status (for messages).</summary>
    public static string Name(int status) => status switch
    {
        0 => "noError", 1 => "tooBig", 2 => "noSuchName", 3 => "badValue", 4 => "readOnly", 5 => "genErr", 6 => "noAccess",
        7 => "wrongType", 8 => "wrongLength", 9 => "wrongEncoding", 10 => "wrongValue", 11 => "noCreation", 12 => "inconsistentValue",
        13 => "resourceUnavailable", 14 => "commitFailed", 15 => "undoFailed", 16 => "authorizationError", 17 => "notWritable",
        18 => "inconsistentName", _ => $"error-status {status}",
    };
}
