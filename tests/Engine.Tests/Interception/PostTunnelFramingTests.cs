using System.Buffers;
using System.Text;
using Engine.Interception;

namespace Engine.Tests.Interception;

/// <summary>A POST tunnel's answer body taken out of its framing, however the reads split it.</summary>
public sealed class PostTunnelFramingTests
{
    [Fact]
    public void Chunked_AcrossReads_WithATrailerSectionSplitInTwo()
    {
        var framing = PostTunnelFraming.ForAnswer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
        var body = new ArrayBufferWriter<byte>();

        Assert.False(Feed(framing, body, "5\r\nhel"));
        Assert.False(Feed(framing, body, "lo\r\n0\r\nx-end: "));
        Assert.True(Feed(framing, body, "1\r\n\r\n"));
        Assert.Equal("hello", Encoding.ASCII.GetString(body.WrittenSpan));
        Assert.False(framing.EndsAtClose);
    }

    [Fact]
    public void DeclaredLength_EndsAtItsLastByte()
    {
        var framing = PostTunnelFraming.ForAnswer("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\n");
        var body = new ArrayBufferWriter<byte>();

        Assert.False(Feed(framing, body, "tun"));
        Assert.True(Feed(framing, body, "nel and more"));
        Assert.Equal("tunnel ", Encoding.ASCII.GetString(body.WrittenSpan));
        Assert.True(PostTunnelFraming.ForAnswer("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n").EmptyBody);
    }

    [Fact]
    public void WithoutFraming_TheBodyRunsToTheClose()
    {
        var framing = PostTunnelFraming.ForAnswer("HTTP/1.1 200 OK\r\n\r\n");
        var body = new ArrayBufferWriter<byte>();

        Assert.False(Feed(framing, body, "all of it"));
        Assert.True(framing.EndsAtClose);
        Assert.Equal("all of it", Encoding.ASCII.GetString(body.WrittenSpan));
    }

    [Fact]
    public void BrokenChunks_AreInvalid()
    {
        var framing = PostTunnelFraming.ForAnswer("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");

        Assert.False(framing.Decode("zz\r\n"u8.ToArray(), new ArrayBufferWriter<byte>(), out var invalid));
        Assert.True(invalid);
    }

    private static bool Feed(PostTunnelFraming framing, ArrayBufferWriter<byte> body, string text)
    {
        var ended = framing.Decode(Encoding.ASCII.GetBytes(text), body, out var invalid);
        Assert.False(invalid);
        return ended;
    }
}
