using System.Text;
using Engine.Interception;
using Engine.Protocols.Tests.Http1;

namespace Engine.Tests.Interception;

public sealed class ProtocolSnifferTests
{
    private const string Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

    private static SniffedProtocol Sniff(string text) => ProtocolSniffer.Sniff(Encoding.Latin1.GetBytes(text));

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("POST /x HTTP/1.0\r\n")]
    [InlineData("PUT ")]
    [InlineData("PATCH /")]
    [InlineData("OPTIONS * HTTP/1.1\r\n")]
    [InlineData("CONNECT example.com:443 HTTP/1.1\r\n")]
    [InlineData("PROPFIND /dav HTTP/1.1\r\n")]
    public void RequestLines_AreHttp1(string input) => Assert.Equal(SniffedProtocol.Http1, Sniff(input));

    [Fact]
    public void Preface_IsHttp2() => Assert.Equal(SniffedProtocol.Http2, Sniff(Preface + "\0\0\0\x04\0\0\0\0\0"));

    [Theory]
    [InlineData("\x16\x03\x01\x02\x00\x01")] // TLS ClientHello
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n")]
    [InlineData("GETX / HTTP/1.1\r\n")]     // not a method
    [InlineData("get / HTTP/1.1\r\n")]      // methods are case-sensitive
    [InlineData("GET\0")]
    [InlineData("PRI * HTTP/1.1\r\n")]      // looks like the preface, is not
    [InlineData("hello")]
    public void EverythingElse_IsOpaque(string input) => Assert.Equal(SniffedProtocol.Opaque, Sniff(input));

    [Fact]
    public void EveryPrefixOfAMethodOrThePreface_NeedsMore()
    {
        foreach (var whole in new[] { "DELETE ", "PROPPATCH ", Preface })
        {
            for (var length = 0; length < whole.Length; length++)
            {
                Assert.Equal(SniffedProtocol.NeedMore, Sniff(whole[..length]));
            }
        }
    }

    [Fact]
    public void P_IsUndecided_UntilThePrefaceOrAMethodDiverges()
    {
        Assert.Equal(SniffedProtocol.NeedMore, Sniff("P"));
        Assert.Equal(SniffedProtocol.NeedMore, Sniff("PR"));   // PRI… or PROPFIND…
        Assert.Equal(SniffedProtocol.NeedMore, Sniff("PRI * HTTP/2.0\r\n"));
        Assert.Equal(SniffedProtocol.Opaque, Sniff("PX"));
    }

    [Fact]
    public void OneBytePerSegment_GivesTheSameAnswer()
    {
        foreach (var (input, expected) in new[] { ("GET / HTTP/1.1\r\n", SniffedProtocol.Http1), (Preface, SniffedProtocol.Http2), ("\x16\x03\x01", SniffedProtocol.Opaque) })
        {
            var bytes = Encoding.Latin1.GetBytes(input);
            Assert.Equal(expected, ProtocolSniffer.Sniff(Sequences.OneBytePerSegment(bytes)));
        }
    }
}
