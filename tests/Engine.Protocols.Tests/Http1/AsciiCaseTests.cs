using System.Text;
using Engine.Protocols.Http;

namespace Engine.Protocols.Tests.Http1;

public sealed class AsciiCaseTests
{
    /// <summary>
    /// Every byte against every byte a lowercase literal can hold: for ASCII the BCL's answer; a
    /// non-ASCII byte equals only itself (the BCL calls it unequal even to itself, which only ever
    /// made an HPACK name with such a byte miss the dynamic table).
    /// </summary>
    [Fact]
    public void EverySingleByte_AgreesWithAsciiEqualsIgnoreCase()
    {
        Span<byte> value = stackalloc byte[1];
        Span<byte> literal = stackalloc byte[1];
        for (var l = 0; l < 256; l++)
        {
            if (l is >= 'A' and <= 'Z')
            {
                continue; // a literal holds no upper case (the method's contract)
            }

            literal[0] = (byte)l;
            for (var v = 0; v < 256; v++)
            {
                value[0] = (byte)v;
                var expected = v < 0x80 && l < 0x80 ? Ascii.EqualsIgnoreCase(value, literal) : v == l;
                Assert.True(expected == AsciiCase.EqualsLower(value, literal), $"value 0x{v:x2} vs literal 0x{l:x2}");
            }
        }
    }

    [Theory]
    [InlineData("Content-Length", "content-length", true)]
    [InlineData("CONTENT-LENGTH", "content-length", true)]
    [InlineData("content-length", "content-length", true)]
    [InlineData("content-lengtH", "content-length", true)]
    [InlineData("content_length", "content-length", false)]
    [InlineData("content-lengt", "content-length", false)]
    [InlineData("Date", "host", false)]
    [InlineData("", "", true)]
    public void Names(string value, string literal, bool equal)
        => Assert.Equal(equal, AsciiCase.EqualsLower(Encoding.Latin1.GetBytes(value), Encoding.Latin1.GetBytes(literal)));

    /// <summary>Bytes whose low bits or 0x20 bit make them look like letters or '-' must not match (0x0D | 0x20 is '-').</summary>
    [Theory]
    [InlineData(new byte[] { 0x0D }, "-")]
    [InlineData(new byte[] { 0x10 }, "0")]
    [InlineData(new byte[] { 0xC1 }, "\u00e1")]
    [InlineData(new byte[] { 0x40 }, "`")]
    public void NonLetters_AreNotFoldedIntoLetters(byte[] value, string literal)
        => Assert.False(AsciiCase.EqualsLower(value, Encoding.Latin1.GetBytes(literal)));

    /// <summary>
    /// Long inputs take the eight-bytes-at-a-time path: against a byte-at-a-time reference, for
    /// random literals (any byte but A–Z) of 8 to 40 bytes, with values made from them by flipping
    /// letters' case, changing one byte to anything, or flipping one bit.
    /// </summary>
    [Fact]
    public void LongInputs_AgreeWithAByteAtATimeReference()
    {
        var random = new Random(2024);
        for (var trial = 0; trial < 20_000; trial++)
        {
            var literal = new byte[random.Next(8, 41)];
            for (var i = 0; i < literal.Length; i++)
            {
                // Mostly name-like bytes, sometimes anything (dynamic-table names can hold any octet).
                byte b;
                do
                {
                    b = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)NameLike[random.Next(NameLike.Length)];
                }
                while (b is >= (byte)'A' and <= (byte)'Z');

                literal[i] = b;
            }

            var value = (byte[])literal.Clone();
            switch (random.Next(4))
            {
                case 0:
                    break;
                case 1:
                    for (var i = 0; i < value.Length; i++)
                    {
                        if (value[i] is >= (byte)'a' and <= (byte)'z' && random.Next(2) == 0)
                        {
                            value[i] -= 0x20;
                        }
                    }

                    break;
                case 2:
                    value[random.Next(value.Length)] = (byte)random.Next(256);
                    break;
                default:
                    value[random.Next(value.Length)] ^= (byte)(1 << random.Next(8));
                    break;
            }

            Assert.True(Reference(value, literal) == AsciiCase.EqualsLower(value, literal), $"{Convert.ToHexString(value)} vs {Convert.ToHexString(literal)}");
        }
    }

    private const string NameLike = "abcdefghijklmnopqrstuvwxyz0123456789-_:{}`@[";

    private static bool Reference(ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowerCase)
    {
        if (value.Length != lowerCase.Length)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var folded = value[i] is >= (byte)'A' and <= (byte)'Z' ? (byte)(value[i] | 0x20) : value[i];
            if (folded != lowerCase[i])
            {
                return false;
            }
        }

        return true;
    }
}
