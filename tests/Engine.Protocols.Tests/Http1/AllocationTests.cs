using System.Buffers;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using static Engine.Protocols.Tests.Http1.Sequences;

namespace Engine.Protocols.Tests.Http1;

/// <summary>DESIGN.md "no per-request heap allocation": a warmed-up head or decoder parses without allocating.</summary>
public class AllocationTests
{
    private const string Request = "POST http://reviews:9080?x=1 HTTP/1.1\r\nHost: reviews\r\nConnection: keep-alive, te\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\nX-Request-Id: 1\r\n\r\n";

    [Fact]
    public void TryParseRequest_WarmHead_AllocatesNothing()
    {
        var head = new HttpRequestHead();
        var whole = Whole(Bytes(Request));
        var split = OneBytePerSegment(Bytes(Request));
        Http1RequestParser.TryParseRequest(whole, head, Http1Limits.Default, out _, out _);
        Http1RequestParser.TryParseRequest(split, head, Http1Limits.Default, out _, out _);
        PathNormalizer.TryNormalize(head);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Http1RequestParser.TryParseRequest(whole, head, Http1Limits.Default, out _, out _);
            Http1RequestParser.TryParseRequest(split, head, Http1Limits.Default, out _, out _);
            PathNormalizer.TryNormalize(head);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TryParseResponse_WarmHead_AllocatesNothing()
    {
        var head = new HttpResponseHead();
        var buffer = OneBytePerSegment(Bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"));
        Http1ResponseParser.TryParseResponse(buffer, head, Http1Limits.Default, out _, out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Http1ResponseParser.TryParseResponse(buffer, head, Http1Limits.Default, out _, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Decode_WarmDecoder_AllocatesNothing()
    {
        var decoder = new ChunkedDecoder();
        var buffer = OneBytePerSegment(Bytes("5;a=\"b\"\r\nhello\r\n0\r\nx-t: 1\r\n\r\n"));
        DecodeAll(decoder, buffer);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            DecodeAll(decoder, buffer);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void DecodeAll(ChunkedDecoder decoder, ReadOnlySequence<byte> buffer)
    {
        decoder.Reset();
        while (decoder.Decode(buffer, out _, out var consumed, out _) == ChunkedDecodeStatus.Data)
        {
            buffer = buffer.Slice(consumed);
        }

        Assert.True(decoder.IsComplete);
    }
}
