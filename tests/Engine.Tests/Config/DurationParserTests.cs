using Engine.Config.Binding;

namespace Engine.Tests.Config;

public sealed class DurationParserTests
{
    [Theory]
    [InlineData("7s", 7_000_000_0L)]
    [InlineData("0.5s", 5_000_000L)]
    [InlineData("180.000s", 1_800_000_000L)]
    [InlineData("1h", 36_000_000_000L)]
    [InlineData("3m", 1_800_000_000L)]
    [InlineData("24h", 864_000_000_000L)]
    [InlineData("100ms", 1_000_000L)]
    [InlineData("1h30m", 54_000_000_000L)]
    [InlineData("1.5m", 900_000_000L)]
    [InlineData("1us", 10L)]
    [InlineData("1µs", 10L)]
    [InlineData("10ns", 1L)]
    [InlineData("1000001ns", 10_001L)]
    [InlineData("0", 0L)]
    [InlineData("0s", 0L)]
    [InlineData(".5s", 5_000_000L)]
    [InlineData("-2s", -20_000_000L)]
    [InlineData("2h45m30.5s", 99_305_000_000L)]
    public void TryParse_GoAndProtobufForms_Ticks(string text, long ticks)
    {
        Assert.True(DurationParser.TryParse(text, out var value, out var error), error);
        Assert.Equal(ticks, value.Ticks);
    }

    [Theory]
    [InlineData("", "invalid duration")]
    [InlineData("5", "missing unit")]
    [InlineData("5 s", "unknown unit")]
    [InlineData("5d", "unknown unit \"d\"")]
    [InlineData("s", "invalid duration")]
    [InlineData("1.2.3s", "invalid duration")]
    [InlineData("abc", "invalid duration")]
    [InlineData("99999999999h", "too large")]
    public void TryParse_Invalid_ExplainsWhy(string text, string message)
    {
        Assert.False(DurationParser.TryParse(text, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }
}
