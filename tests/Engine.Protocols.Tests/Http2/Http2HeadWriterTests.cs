using System.Buffers;
using System.Text;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Engine.Protocols.Tests.Hpack;
using static Engine.Protocols.Tests.Http2.Frames;

namespace Engine.Protocols.Tests.Http2;

/// <summary>Heads written as HEADERS (+ CONTINUATION) and read back through reader, assembler and decoder.</summary>
public class Http2HeadWriterTests
{
    [Fact]
    public void Request_SmallHead_OneHeadersFrame()
    {
        var head = Heads.Request("GET", "http", "reviews:9080", "/reviews/1", ("x-request-id", "abc"));
        var frames = Http2FrameWriterTests.ReadAll(Written(w => Http2HeadWriter.WriteRequest(w, 1, head, new HpackEncoder(), endStream: true, 16_384)));

        Assert.Single(frames);
        Assert.Equal(Http2FrameType.Headers, frames[0].Type);
        Assert.True(frames[0].EndHeaders && frames[0].EndStream);
        var decoded = DecodeRequest(frames);
        Assert.Equal("/reviews/1", Encoding.ASCII.GetString(decoded.Span(decoded.Path)));
    }

    [Theory]
    [InlineData(16_384)]
    [InlineData(16_385)]
    [InlineData(20_000)]
    public void Response_LargerThanMaxFrameSize_SplitIntoContinuations(int maxFrameSize)
    {
        var head = new HttpResponseHead { StatusCode = 200 };
        for (var i = 0; i < 4; i++)
        {
            head.AddHeader(Encoding.ASCII.GetBytes($"x-big-{i}"), Encoding.ASCII.GetBytes(new string((char)('a' + i), 12_000)));
        }

        var data = Written(w => Http2HeadWriter.WriteResponse(w, 5, head, new HpackEncoder(huffman: false), endStream: false, maxFrameSize));
        var frames = ReadFrames(data, maxFrameSize);

        Assert.True(frames.Count >= 3);
        Assert.Equal(Http2FrameType.Headers, frames[0].Type);
        Assert.All(frames.Skip(1), f => Assert.Equal(Http2FrameType.Continuation, f.Type));
        Assert.All(frames, f => Assert.True(f.Length <= maxFrameSize));
        Assert.All(frames, f => Assert.Equal(5, f.StreamId));
        Assert.Equal(frames.Count - 1, frames.FindIndex(f => f.EndHeaders));
        Assert.False(frames[0].EndStream);

        var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default);
        foreach (var frame in frames)
        {
            Assert.Equal(Http2Error.None, assembler.Add(frame.Frame));
        }

        var decoded = new HttpResponseHead();
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeResponse(new HpackDecoder(), assembler.Block, decoded, endStream: false, Http2Limits.Default));
        Assert.Equal(Heads.Fields(head), Heads.Fields(decoded));
    }

    [Fact]
    public void Trailers_AlwaysEndStream_EmptyIsOneEmptyFrame()
    {
        var trailers = new HttpTrailers();
        var frames = Http2FrameWriterTests.ReadAll(Written(w => Http2HeadWriter.WriteTrailers(w, 3, trailers, new HpackEncoder(), 16_384)));
        Assert.Single(frames);
        Assert.True(frames[0].EndStream && frames[0].EndHeaders);

        trailers.AddHeader("grpc-status"u8, "0"u8);
        frames = Http2FrameWriterTests.ReadAll(Written(w => Http2HeadWriter.WriteTrailers(w, 3, trailers, new HpackEncoder(), 16_384)));
        Assert.True(frames[0].EndStream);
    }

    private static HttpRequestHead DecodeRequest(List<(Http2FrameType Type, Http2FrameHeader Header, int Length, bool EndStream, bool EndHeaders, byte[] Payload, int StreamId)> frames)
    {
        var head = new HttpRequestHead();
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(new HpackDecoder(), frames.SelectMany(f => f.Payload).ToArray(), head, Http2Limits.Default));
        return head;
    }

    private static List<(Http2FrameType Type, int Length, int StreamId, bool EndHeaders, bool EndStream, Http2Frame Frame)> ReadFrames(byte[] data, int maxFrameSize)
    {
        var frames = new List<(Http2FrameType, int, int, bool, bool, Http2Frame)>();
        var buffer = new ReadOnlySequence<byte>(data);
        while (!buffer.IsEmpty)
        {
            Assert.Equal(Http2ReadStatus.Frame, Http2FrameReader.TryReadFrame(buffer, maxFrameSize, out var frame, out var consumed, out _));
            frames.Add((frame.Type, frame.Length, frame.StreamId, frame.EndHeaders, frame.EndStream, frame));
            buffer = buffer.Slice(consumed);
        }

        return frames;
    }
}
