using System.Text;
using Engine.Routing.Policies;

namespace Engine.Tests.Routing.Policies;

/// <summary>grpc-timeout as the gRPC HTTP/2 protocol spells it, read and written as Envoy's Grpc::Common does.</summary>
public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 3_600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3_000)]
    [InlineData("250m", 250)]
    [InlineData("1500u", 2)]      // micro- and nanoseconds round up: never a shorter deadline
    [InlineData("1000u", 1)]
    [InlineData("1n", 1)]
    [InlineData("2000000n", 2)]
    [InlineData("0m", 0)]         // 0 means no deadline, as in Envoy
    [InlineData("99999999S", 99_999_999_000)]
    [InlineData("000000001m", 1)] // Envoy checks the number, not the digit count
    public void TryParse_EveryUnit(string value, long milliseconds)
    {
        Assert.True(GrpcTimeout.TryParse(Encoding.ASCII.GetBytes(value), out var parsed));
        Assert.Equal(milliseconds, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("10")]          // no unit
    [InlineData("10s")]         // units are case-sensitive: s is not S
    [InlineData("10x")]
    [InlineData("-1m")]
    [InlineData("1.5S")]
    [InlineData(" 5m")]
    [InlineData("100000000m")]  // more than 8 digits' worth
    [InlineData("99999999999999999999m")]
    public void TryParse_Malformed_IsRejected(string value)
        => Assert.False(GrpcTimeout.TryParse(Encoding.ASCII.GetBytes(value), out _));

    [Theory]
    [InlineData(300, "300m")]
    [InlineData(1, "1m")]
    [InlineData(99_999_999, "99999999m")]
    [InlineData(100_000_000, "100000S")]
    [InlineData(99_999_999_000, "99999999S")]
    [InlineData(100_000_000_000, "1666666M")]
    [InlineData(long.MaxValue, "99999999H")]
    public void Format_MillisecondsWhileTheyFit_ThenBiggerUnits(long milliseconds, string expected)
    {
        Span<byte> buffer = stackalloc byte[GrpcTimeout.MaxFormattedLength];
        var length = GrpcTimeout.Format(milliseconds, buffer);
        Assert.Equal(expected, Encoding.ASCII.GetString(buffer[..length]));
    }
}
