using Engine.Protocols.Hpack;
using Engine.Protocols.Http2;

namespace Engine.Protocols.Tests.Hpack;

/// <summary>RFC 7541 §5.1 and Appendix C.1, with the edges an attacker would pick.</summary>
public class HpackIntegerTests
{
    [Theory]
    [InlineData(10, 5, "0a")] // C.1.1
    [InlineData(1337, 5, "1f9a0a")] // C.1.2
    [InlineData(42, 8, "2a")] // C.1.3
    [InlineData(30, 5, "1e")]
    [InlineData(31, 5, "1f00")]
    [InlineData(127, 7, "7f00")]
    [InlineData(128, 7, "7f01")]
    [InlineData(0, 4, "00")]
    [InlineData(15, 4, "0f00")]
    [InlineData(int.MaxValue, 7, "7f80ffffff07")]
    [InlineData(int.MaxValue, 1, "01feffffff07")]
    public void EncodeDecode_Values_MatchRfc(int value, int prefixBits, string hex)
    {
        var buffer = new byte[HpackInteger.MaxEncodedLength];
        var written = HpackInteger.Encode(value, prefixBits, 0, buffer);

        Assert.Equal(hex, Convert.ToHexStringLower(buffer, 0, written));
        Assert.Equal(written, HpackInteger.GetEncodedLength(value, prefixBits));
        var position = 0;
        Assert.Equal(Http2Error.None, HpackInteger.TryDecode(buffer.AsSpan(0, written), ref position, prefixBits, out var decoded));
        Assert.Equal(value, decoded);
        Assert.Equal(written, position);
    }

    [Fact]
    public void Decode_IgnoresBitsAbovePrefix()
    {
        var position = 0;
        Assert.Equal(Http2Error.None, HpackInteger.TryDecode([0xEA], ref position, 5, out var value));
        Assert.Equal(10, value);
    }

    [Theory]
    [InlineData("1f", "prefix full, continuation missing")]
    [InlineData("1f9a", "continuation bit set on the last byte")]
    public void Decode_Truncated_IsError(string hex, string why)
    {
        var position = 0;
        Assert.True(HpackInteger.TryDecode(Convert.FromHexString(hex), ref position, 5, out _) == Http2Error.HpackTruncated, why);
    }

    [Theory]
    [InlineData("7f81ffffff07", "int.MaxValue + 1")]
    [InlineData("7fffffffff7f", "far above int.MaxValue")]
    [InlineData("7f8080808080", "six continuation bytes")]
    [InlineData("7f808000", "over-long: trailing zero continuation byte")]
    public void Decode_Overflow_IsError(string hex, string why)
    {
        var position = 0;
        Assert.True(HpackInteger.TryDecode(Convert.FromHexString(hex), ref position, 7, out _) == Http2Error.HpackIntegerOverflow, why);
    }

    [Fact]
    public void RoundTrip_AllPrefixes_Boundaries()
    {
        var buffer = new byte[HpackInteger.MaxEncodedLength];
        for (var prefix = 1; prefix <= 8; prefix++)
        {
            var max = (1 << prefix) - 1;
            foreach (var value in new[] { 0, 1, max - 1, max, max + 1, max + 127, max + 128, 16383, 16384, 1 << 21, (1 << 28) - 1, int.MaxValue })
            {
                var written = HpackInteger.Encode(value, prefix, 0, buffer);
                var position = 0;
                Assert.Equal(Http2Error.None, HpackInteger.TryDecode(buffer.AsSpan(0, written), ref position, prefix, out var decoded));
                Assert.Equal(value, decoded);
            }
        }
    }
}
