using HikFleet.Snmp;

namespace HikFleet.Snmp.Tests;

public sealed class ObjectIdentifierTests
{
    [Fact]
    public void Parses_orders_and_prints_by_arc()
    {
        var a = ObjectIdentifier.Parse(".1.3.6.1.2.1.105.1.1.1.3.1.10");
        var b = ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1.3.1.9");
        Assert.Equal("1.3.6.1.2.1.105.1.1.1.3.1.10", a.ToString());
        Assert.True(b.CompareTo(a) < 0); // 9 < 10 by arc, not by text
        Assert.True(a.StartsWith(ObjectIdentifier.Parse("1.3.6.1.2.1.105")));
        Assert.False(a.StartsWith(ObjectIdentifier.Parse("1.3.6.1.2.1.17")));
        Assert.Equal(a, ObjectIdentifier.Parse("1.3.6.1.2.1.105.1.1.1.3").Append(1, 10));
        Assert.Throws<FormatException>(() => ObjectIdentifier.Parse("1.3.x"));
    }
}
