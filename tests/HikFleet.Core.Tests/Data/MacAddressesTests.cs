using HikFleet.Core.Data.Entities;

namespace HikFleet.Core.Tests.Data;

public sealed class MacAddressesTests
{
    [Theory]
    [InlineData("58-50-ed-1f-e3-85", "58:50:ed:1f:e3:85")] // SADP
    [InlineData("A6:63:9E:F8:01:09", "a6:63:9e:f8:01:09")] // a label
    [InlineData("a663.9ef8.0109", "a6:63:9e:f8:01:09")]    // switch CLI
    [InlineData(" 5850ed1fe385 ", "58:50:ed:1f:e3:85")]
    public void Device_spellings_normalise_to_one_form(string input, string expected)
    {
        Assert.True(MacAddresses.TryNormalize(input, out var normalized));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("")]
    [InlineData("58-50-ed-1f-e3")]
    [InlineData("58-50-ed-1f-e3-85-00")]
    [InlineData("zz-50-ed-1f-e3-85")]
    [InlineData(null)]
    public void Anything_else_is_refused(string? input)
    {
        Assert.False(MacAddresses.TryNormalize(input, out _));
    }
}
