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
}
