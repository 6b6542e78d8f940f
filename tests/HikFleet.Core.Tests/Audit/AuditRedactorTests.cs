using System.Text.Json.Nodes;
using HikFleet.Core.Audit;

namespace HikFleet.Core.Tests.Audit;

public sealed class AuditRedactorTests
{
    [Fact]
    public void Secrets_are_masked_at_every_depth_and_everything_else_is_kept()
    {
        var parameters = new
        {
            camera = "Gate 3",
            Password = "Adm1n!pass",
            network = new { address = "10.0.0.64", snmp = new { community = "public-ro", version = 2 } },
            users = new object[]
            {
                new { name = "admin", newPassword = "S3cret!!", level = "Administrator" },
                new { name = "viewer", PASSWORD = "v1ewer", level = "Viewer" },
            },
            apiKey = "ak_123",
            client_secret = "cs_456",
            accessToken = "at_789",
            tls = new { privateKey = "-----BEGIN PRIVATE KEY-----", certificate = "-----BEGIN CERTIFICATE-----" },
            passwords = new[] { "pw-one", "pw-two" },
            keyboard = "us",
        };

        var redacted = AuditRedactor.Redact((object)parameters)!;
        var json = redacted.ToJsonString();

        foreach (var secret in new[] { "Adm1n!pass", "public-ro", "S3cret!!", "v1ewer", "ak_123", "cs_456", "at_789", "BEGIN PRIVATE KEY", "pw-one", "pw-two" })
        {
            Assert.DoesNotContain(secret, json);
        }

        Assert.Equal("***", (string?)redacted["Password"]);
        Assert.Equal("***", (string?)redacted["network"]!["snmp"]!["community"]);
        Assert.Equal("***", (string?)redacted["users"]![0]!["newPassword"]);
        Assert.Equal("***", (string?)redacted["users"]![1]!["PASSWORD"]);
        Assert.Equal("***", (string?)redacted["tls"]!["privateKey"]);
        Assert.Equal("***", (string?)redacted["passwords"]);

        Assert.Equal("Gate 3", (string?)redacted["camera"]);
        Assert.Equal("10.0.0.64", (string?)redacted["network"]!["address"]);
        Assert.Equal(2, (int?)redacted["network"]!["snmp"]!["version"]);
        Assert.Equal("Viewer", (string?)redacted["users"]![1]!["level"]);
        Assert.Equal("-----BEGIN CERTIFICATE-----", (string?)redacted["tls"]!["certificate"]);
        Assert.Equal("us", (string?)redacted["keyboard"]);
    }

    [Fact]
    public void A_json_node_is_redacted_as_a_copy()
    {
        var node = JsonNode.Parse("""{"settings":{"wifi":{"ssid":"cam","Key":"wpa-psk-1"}}}""")!;

        var redacted = AuditRedactor.Redact(node)!;

        Assert.Equal("***", (string?)redacted["settings"]!["wifi"]!["Key"]);
        Assert.Equal("cam", (string?)redacted["settings"]!["wifi"]!["ssid"]);
        Assert.Equal("wpa-psk-1", (string?)node["settings"]!["wifi"]!["Key"]);
    }

    [Theory]
    [InlineData("password", true)]
    [InlineData("adminPassword", true)]
    [InlineData("pass_word", true)]
    [InlineData("SECRET", true)]
    [InlineData("refresh-token", true)]
    [InlineData("snmpCommunity", true)]
    [InlineData("key", true)]
    [InlineData("apiKey", true)]
    [InlineData("APIKEY", true)]
    [InlineData("key_id", true)]
    [InlineData("private_key", true)]
    [InlineData("username", false)]
    [InlineData("keyboard", false)]
    [InlineData("hotkeys", false)]
    [InlineData("serialNumber", false)]
    public void Secret_names_are_recognised(string name, bool secret) => Assert.Equal(secret, AuditRedactor.IsSecretName(name));
}
