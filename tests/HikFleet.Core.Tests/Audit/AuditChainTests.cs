using System.Net;
using System.Text.Json.Nodes;
using HikFleet.Core.Audit;

namespace HikFleet.Core.Tests.Audit;

/// <summary>The hashing and canonical form alone; no database needed.</summary>
public sealed class AuditChainTests
{
    private static AuditEntry Sample() => new()
    {
        Id = 42,
        OccurredAt = new DateTimeOffset(2026, 11, 26, 15, 0, 0, TimeSpan.Zero).AddTicks(1234560),
        ActorKind = AuditActorKind.User,
        ActorId = "0b7c6b1e-2f43-4b7e-9a55-3a1d8f0c9e11",
        ActorName = "Dana Auditor",
        ClientAddress = IPAddress.Parse("10.0.0.7"),
        TenantId = Guid.Parse("6d4a3f0e-1111-4c2a-8d2e-000000000001"),
        SiteId = Guid.Parse("6d4a3f0e-2222-4c2a-8d2e-000000000002"),
        CameraId = null,
        Action = "camera.reboot",
        Parameters = """{"b":1,"a":{"y":[1,2],"x":"ü"}}""",
        Reason = "stuck stream",
        Result = AuditResult.Succeeded,
        ResultDetail = null,
        CorrelationId = "op-17",
        PreviousHash = new byte[32],
    };

    [Fact]
    public void The_hash_is_a_pinned_sha256_of_the_v1_form()
    {
        var hash = AuditChain.ComputeHash(Sample());

        Assert.Equal(32, hash.Length);
        Assert.Equal(hash, AuditChain.ComputeHash(Sample()));
        // Pinned: an accidental change of the canonical form would make every stored entry fail verification. The value
        // was computed by an independent implementation of the documented format (Python hashlib + struct.pack('>i')).
        Assert.Equal(PinnedHash, Convert.ToHexStringLower(hash));
    }

    private const string PinnedHash = "e29ea25b668f80d2fc06aa4eefa68bab4514ec32024d32a2a5dd8807a505365c";

    public static TheoryData<string> Changes => new()
    {
        "id", "occurred_at", "actor_kind", "actor_id", "actor_name", "client_address", "tenant_id", "site_id", "camera_id",
        "action", "parameters", "reason", "result", "result_detail", "correlation_id", "previous_hash",
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Every_field_is_covered_by_the_hash(string field)
    {
        var original = AuditChain.ComputeHash(Sample());
        var changed = Sample();
        switch (field)
        {
            case "id": changed.Id++; break;
            case "occurred_at": changed.OccurredAt = changed.OccurredAt.AddTicks(10); break;
            case "actor_kind": changed.ActorKind = AuditActorKind.Job; break;
            case "actor_id": changed.ActorId += "x"; break;
            case "actor_name": changed.ActorName = "Dana  Auditor"; break;
            case "client_address": changed.ClientAddress = IPAddress.Parse("10.0.0.8"); break;
            case "tenant_id": changed.TenantId = null; break;
            case "site_id": changed.SiteId = Guid.Empty; break;
            case "camera_id": changed.CameraId = Guid.Empty; break;
            case "action": changed.Action = "camera.factory_reset"; break;
            case "parameters": changed.Parameters = """{"b":2,"a":{"y":[1,2],"x":"ü"}}"""; break;
            case "reason": changed.Reason = ""; break;
            case "result": changed.Result = AuditResult.Failed; break;
            case "result_detail": changed.ResultDetail = ""; break;
            case "correlation_id": changed.CorrelationId = "op-18"; break;
            case "previous_hash": changed.PreviousHash = [.. new byte[31], 1]; break;
        }

        Assert.NotEqual(original, AuditChain.ComputeHash(changed));
    }

    [Fact]
    public void Field_boundaries_cannot_be_shifted()
    {
        // Without length prefixes "ab" + "c" and "a" + "bc" would hash alike.
        var one = Sample();
        one.ActorId = "ab";
        one.ActorName = "c";
        var two = Sample();
        two.ActorId = "a";
        two.ActorName = "bc";

        Assert.NotEqual(AuditChain.ComputeHash(one), AuditChain.ComputeHash(two));
    }

    [Fact]
    public void Sub_microsecond_time_is_not_hashed_because_postgresql_does_not_keep_it()
    {
        var stored = Sample();
        var truncated = AuditChain.TruncateToMicroseconds(stored.OccurredAt.AddTicks(7));

        Assert.Equal(stored.OccurredAt, truncated);
        Assert.Equal(AuditChain.ToUnixMicroseconds(stored.OccurredAt), AuditChain.ToUnixMicroseconds(stored.OccurredAt.AddTicks(9)));
    }

    [Fact]
    public void Canonical_json_ignores_key_order_and_whitespace_but_not_values()
    {
        Assert.Equal(
            AuditChain.CanonicalJson("""{ "b": 1, "a": { "y": [1, 2], "x": "\u00fc" } }"""),
            AuditChain.CanonicalJson("""{"a":{"x":"ü","y":[1,2]},"b":1}"""));
        Assert.Equal("""{"a":{"x":"ü","y":[1,2]},"b":1}""", AuditChain.CanonicalJson("""{"b":1,"a":{"y":[1,2],"x":"ü"}}"""));
        Assert.NotEqual(AuditChain.CanonicalJson("""{"a":[1,2]}"""), AuditChain.CanonicalJson("""{"a":[2,1]}"""));
        Assert.Equal("""{"n":100,"m":1.50,"z":0,"big":"1e40"}""".Length,
            AuditChain.CanonicalJson("""{"n":1e2,"m":1.50,"z":-0,"big":1e40}""").Length);
        Assert.Equal("""{"big":"1e40","m":1.50,"n":100,"z":0}""", AuditChain.CanonicalJson("""{"n":1e2,"m":1.50,"z":-0,"big":1e40}"""));
    }

    [Fact]
    public void Text_postgresql_cannot_store_is_replaced_before_hashing()
    {
        Assert.Equal("a\uFFFDb", AuditChain.CleanText("a\0b"));
        Assert.Equal("x\uFFFD", AuditChain.CleanText("x\uD800"));
        Assert.Equal("😀", AuditChain.CleanText("😀"));
        Assert.Equal("""{"k":"a�"}""", AuditChain.CanonicalJson(new JsonObject { ["k"] = "a\0" }));
    }
}
