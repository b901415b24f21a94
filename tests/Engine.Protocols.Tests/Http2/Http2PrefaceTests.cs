using System.Text;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Http1.Sequences;

namespace Engine.Protocols.Tests.Http2;

/// <summary>RFC 9113 §3.4 and the listener's protocol sniffing.</summary>
public class Http2PrefaceTests
{
    [Theory]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ProtocolSniffResult.Http2)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0000\u0004", ProtocolSniffResult.Http2)]
    [InlineData("", ProtocolSniffResult.Incomplete)]
    [InlineData("P", ProtocolSniffResult.Incomplete)]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r", ProtocolSniffResult.Incomplete)]
    [InlineData("GET / HTTP/1.1\r\n", ProtocolSniffResult.Http1)]
    [InlineData("GE", ProtocolSniffResult.Incomplete)]
    [InlineData("GET", ProtocolSniffResult.Incomplete)]
    [InlineData("POST ", ProtocolSniffResult.Http1)]
    [InlineData("PRI * HTTP/1.1\r\n", ProtocolSniffResult.Http1)]
    [InlineData("PRIX / HTTP/1.1", ProtocolSniffResult.Http1)]
    [InlineData("\r\nGET / HTTP/1.1", ProtocolSniffResult.Http1)]
    [InlineData("\r", ProtocolSniffResult.Incomplete)]
    [InlineData("\u0016\u0003\u0001\u0002\u0000", ProtocolSniffResult.Unknown)]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n", ProtocolSniffResult.Unknown)]
    [InlineData("SSH-2.0-OpenSSH", ProtocolSniffResult.Incomplete)]
    [InlineData(" GET / HTTP/1.1", ProtocolSniffResult.Unknown)]
    [InlineData("\r\n\r\nGET /", ProtocolSniffResult.Unknown)]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", ProtocolSniffResult.Unknown)]
    public void Sniff_FirstBytes(string start, ProtocolSniffResult expected)
    {
        var bytes = Bytes(start);
        Assert.Equal(expected, Http2Preface.Sniff(Whole(bytes)));
        Assert.Equal(expected, Http2Preface.Sniff(OneBytePerSegment(bytes)));
    }

    [Fact]
    public void ClientPreface_Is24Octets() => Assert.Equal("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Encoding.ASCII.GetString(Http2Preface.ClientPreface));

    [Fact]
    public void TryReadPreface_ConsumesExactly24()
    {
        var bytes = Bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nrest");
        Assert.Equal(ProtocolSniffResult.Http2, Http2Preface.TryReadPreface(OneBytePerSegment(bytes), out var consumed));
        Assert.Equal(24, Offset(OneBytePerSegment(bytes), consumed));
        Assert.Equal(ProtocolSniffResult.Unknown, Http2Preface.TryReadPreface(Whole(Bytes("GET / HTTP/1.1\r\n\r\n")), out _));
        Assert.Equal(ProtocolSniffResult.Incomplete, Http2Preface.TryReadPreface(Whole(Bytes("PRI *")), out consumed));
    }

    [Fact]
    public void S3_4_FirstFrame_MustBeSettings()
    {
        Assert.Equal(Http2Error.None, Http2Preface.CheckFirstFrame(new Http2Frame { Header = new(0, Http2FrameType.Settings, 0, 0) }));
        Assert.Equal(Http2Error.FirstFrameNotSettings, Http2Preface.CheckFirstFrame(new Http2Frame { Header = new(0, Http2FrameType.Settings, Http2FrameFlags.Ack, 0) }));
        Assert.Equal(Http2Error.FirstFrameNotSettings, Http2Preface.CheckFirstFrame(new Http2Frame { Header = new(8, Http2FrameType.Ping, 0, 0) }));
        Assert.True(Http2ErrorTable.IsConnectionError(Http2Error.FirstFrameNotSettings));
    }
}
