using System.Text;
using Engine.Protocols.Hpack;

namespace Engine.Protocols.Tests.Hpack;

/// <summary>RFC 7541 §5.2 and Appendix B: the strings of Appendix C, round trips, and every decoding error.</summary>
public class HuffmanTests
{
    [Theory]
    [InlineData("www.example.com", "f1e3c2e5f23a6ba0ab90f4ff")]
    [InlineData("no-cache", "a8eb10649cbf")]
    [InlineData("custom-key", "25a849e95ba97d7f")]
    [InlineData("custom-value", "25a849e95bb8e8b4bf")]
    [InlineData("302", "6402")]
    [InlineData("private", "aec3771a4b")]
    [InlineData("Mon, 21 Oct 2013 20:13:21 GMT", "d07abe941054d444a8200595040b8166e082a62d1bff")]
    [InlineData("https://www.example.com", "9d29ad171863c78f0b97c8e9ae82ae43d3")]
    [InlineData("gzip", "9bd9ab")]
    public void Encode_AppendixCStrings_MatchRfc(string text, string hex)
    {
        var source = Encoding.ASCII.GetBytes(text);
        var encoded = new byte[Huffman.GetEncodedLength(source)];

        Assert.Equal(encoded.Length, Huffman.Encode(source, encoded));
        Assert.Equal(hex, Convert.ToHexStringLower(encoded));
        Assert.Equal(text, Decode(encoded));
    }

    [Fact]
    public void RoundTrip_EveryByteValue()
    {
        var source = new byte[256];
        for (var i = 0; i < source.Length; i++)
        {
            source[i] = (byte)i;
        }

        AssertRoundTrip(source);
    }

    [Fact]
    public void RoundTrip_RandomStrings_DecodeToTheSameBytes()
    {
        var random = new Random(7541);
        for (var i = 0; i < 2000; i++)
        {
            var source = new byte[random.Next(0, 64)];
            random.NextBytes(source);
            if (i % 2 == 0)
            {
                // Mostly text, as headers are.
                for (var j = 0; j < source.Length; j++)
                {
                    source[j] = (byte)(' ' + (source[j] % 95));
                }
            }

            AssertRoundTrip(source);
        }
    }

    [Fact]
    public void Encode_Text_IsShorterThanRaw()
    {
        var source = "application/grpc+proto; charset=utf-8"u8;
        Assert.True(Huffman.GetEncodedLength(source) < source.Length);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, "EOS (30 ones) inside the string")]
    [InlineData(new byte[] { 0x1F, 0xFF }, "'a' then 11 one-bits of padding: longer than 7 bits")]
    [InlineData(new byte[] { 0x18 }, "'a' (00011) then padding 000: not the EOS prefix")]
    [InlineData(new byte[] { 0xFF }, "8 bits of ones alone: padding longer than 7 bits")]
    public void Decode_InvalidInput_ReturnsMinusOne(byte[] encoded, string why)
    {
        Assert.True(Huffman.Decode(encoded, new byte[Huffman.GetMaxDecodedLength(encoded.Length)]) < 0, why);
        Assert.True(Huffman.GetDecodedLength(encoded) < 0, why);
    }

    [Fact]
    public void Decode_ValidPadding_UpToSevenOnes()
    {
        // 'a' is 00011 (5 bits): one byte with 3 bits of padding.
        Assert.Equal("a", Decode([0x1F]));

        // '0' is 00000 (5 bits); "00" = 10 bits, then 6 one-bits of padding.
        Assert.Equal("00", Decode([0x00, 0x3F]));
        Assert.Equal(string.Empty, Decode([]));
    }

    private static void AssertRoundTrip(byte[] source)
    {
        var encoded = new byte[Huffman.GetEncodedLength(source)];
        Huffman.Encode(source, encoded);
        var decoded = new byte[Huffman.GetMaxDecodedLength(encoded.Length)];
        var length = Huffman.Decode(encoded, decoded);

        Assert.Equal(source, decoded.AsSpan(0, length).ToArray());
        Assert.Equal(source.Length, Huffman.GetDecodedLength(encoded));
    }

    private static string Decode(byte[] encoded)
    {
        var decoded = new byte[Huffman.GetMaxDecodedLength(encoded.Length)];
        var length = Huffman.Decode(encoded, decoded);
        Assert.True(length >= 0);
        return Encoding.ASCII.GetString(decoded, 0, length);
    }
}
