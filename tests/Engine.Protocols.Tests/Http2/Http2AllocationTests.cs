using System.Buffers;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Engine.Protocols.Tests.Hpack;
using static Engine.Protocols.Tests.Http1.Sequences;

namespace Engine.Protocols.Tests.Http2;

/// <summary>DESIGN.md "no per-request heap allocation": warmed-up frame reading, HPACK decode and encode allocate nothing.</summary>
public class Http2AllocationTests
{
    [Fact]
    public void TryReadFrame_AllocatesNothing()
    {
        byte[] data =
        [
            .. Frames.Raw(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.Padded | Http2FrameFlags.Priority, 1, [1, 0, 0, 0, 0, 15, 0x82, 0]),
            .. Frames.Raw(Http2FrameType.Data, Http2FrameFlags.EndStream, 1, 1, 2, 3),
            .. Frames.Raw(Http2FrameType.Settings, Http2FrameFlags.None, 0, Frames.Setting(Http2SettingsParameter.MaxFrameSize, 20_000)),
            .. Frames.Raw(Http2FrameType.WindowUpdate, Http2FrameFlags.None, 0, Frames.UInt32(100)),
            .. Frames.Raw(Http2FrameType.Ping, Http2FrameFlags.None, 0, new byte[8]),
            .. Frames.Raw(Http2FrameType.GoAway, Http2FrameFlags.None, 0, new byte[10]),
        ];
        var whole = Whole(data);
        var split = OneBytePerSegment(data);
        ReadAll(whole);
        ReadAll(split);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            ReadAll(whole);
            ReadAll(split);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void DecodeAndEncode_WarmHeadsAndTables_AllocateNothing()
    {
        var source = Heads.Request("POST", "http", "greeter:50051", "/helloworld.Greeter/SayHello", ("content-type", "application/grpc"), ("te", "trailers"), ("user-agent", "grpc-dotnet/2.85.0"), ("authorization", "Bearer abc"), ("x-request-id", "0f1e2d3c"));
        var encoder = new HpackEncoder();
        var decoder = new HpackDecoder();
        var decoded = new HttpRequestHead();
        var response = new HttpResponseHead { StatusCode = 200 };
        response.AddHeader("content-type"u8, "application/grpc"u8);
        var decodedResponse = new HttpResponseHead();
        var responseEncoder = new HpackEncoder();
        var responseDecoder = new HpackDecoder();
        var block = new byte[4096];
        var writer = new ArrayBufferWriter<byte>(64 * 1024);
        var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default);
        var limits = Http2Limits.Default;

        void RoundTrip()
        {
            var length = encoder.EncodeRequest(source, block);
            Http2HeadDecoder.DecodeRequest(decoder, block.AsSpan(0, length), decoded, limits);
            length = responseEncoder.EncodeResponse(response, block);
            Http2HeadDecoder.DecodeResponse(responseDecoder, block.AsSpan(0, length), decodedResponse, endStream: false, limits);
            writer.ResetWrittenCount();
            Http2HeadWriter.WriteRequest(writer, 1, source, encoder, endStream: false, 16_384);
            Http2FrameReader.TryReadFrame(new ReadOnlySequence<byte>(writer.WrittenMemory), 16_384, out var frame, out _, out _);
            assembler.Reset();
            assembler.Add(frame);
            Http2HeadDecoder.DecodeRequest(decoder, assembler.Block, decoded, limits);
        }

        RoundTrip();
        RoundTrip();
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(decoder, assembler.Block, decoded, limits));

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            RoundTrip();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// The paths the HPACK micro-benchmarks measure and the round trip above does not: Huffman-coded
    /// strings decoded into the head's arena, a first block on a reset decoder (every field inserted,
    /// entries evicted once the table is full) and a repeat block of table references, a response
    /// head written as a HEADERS frame by a Huffman encoder, and a first head on a reset encoder.
    /// </summary>
    [Fact]
    public void HuffmanBlocks_FirstOnConnectionAndRepeat_AllocateNothing()
    {
        var first = Heads.Request("GET", "https", "reviews.default.svc.cluster.local", "/api/v1/items/42?page=2", ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"), ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), ("accept-language", "en-GB,en;q=0.9"), ("cookie", "session=8f14e45fceea167a5a36dedd4bea2543; theme=dark"), ("x-request-id", "0f8fad5b-d9cb-469f-a165-70867728950e"));
        var next = Heads.Request("GET", "https", "reviews.default.svc.cluster.local", "/api/v1/items/43?page=3", ("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"), ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"), ("accept-language", "en-GB,en;q=0.9"), ("cookie", "session=8f14e45fceea167a5a36dedd4bea2543; theme=dark"), ("x-request-id", "7c9e6679-7425-40de-944b-e07fc1f90ae7"));
        var encoder = new HpackEncoder(huffman: true);
        var firstBlock = new byte[HpackEncoder.GetMaxEncodedLength(first)];
        firstBlock = firstBlock[..encoder.EncodeRequest(first, firstBlock)];
        var repeatBlock = new byte[HpackEncoder.GetMaxEncodedLength(next)];
        repeatBlock = repeatBlock[..encoder.EncodeRequest(next, repeatBlock)];
        var firstDecoder = new HpackDecoder();
        var repeatDecoder = new HpackDecoder();
        var decoded = new HttpRequestHead();
        var limits = Http2Limits.Default;
        Assert.Equal(Http2Error.None, Http2HeadDecoder.DecodeRequest(repeatDecoder, firstBlock, decoded, limits));

        var response = new HttpResponseHead { StatusCode = 200 };
        response.AddHeader("content-type"u8, "application/grpc"u8);
        response.AddHeader("grpc-accept-encoding"u8, "identity,deflate,gzip"u8);
        response.AddHeader("date"u8, "Thu, 26 Nov 2026 03:30:00 GMT"u8);
        var warmEncoder = new HpackEncoder(huffman: true);
        var firstEncoder = new HpackEncoder(huffman: true);
        var writer = new ArrayBufferWriter<byte>(16_384);
        var block = new byte[4096];

        // Results are checked after the loop: xUnit's Assert.Equal allocates.
        var errors = 0;
        void Round()
        {
            firstDecoder.Reset();
            errors += Http2HeadDecoder.DecodeRequest(firstDecoder, firstBlock, decoded, limits) == Http2Error.None ? 0 : 1;
            errors += Http2HeadDecoder.DecodeRequest(repeatDecoder, repeatBlock, decoded, limits) == Http2Error.None ? 0 : 1;
            writer.ResetWrittenCount();
            Http2HeadWriter.WriteResponse(writer, 1, response, warmEncoder, endStream: false, 16_384);
            firstEncoder.Reset();
            firstEncoder.EncodeResponse(response, block);
        }

        Round();
        Round();
        Assert.Equal("/api/v1/items/43?page=3"u8.ToArray(), decoded.Span(decoded.Path).ToArray());

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Round();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, errors);
    }

    private static void ReadAll(ReadOnlySequence<byte> buffer)
    {
        while (Http2FrameReader.TryReadFrame(buffer, 16_384, out var frame, out var consumed, out _) == Http2ReadStatus.Frame)
        {
            if (frame.Type == Http2FrameType.Settings)
            {
                foreach (var setting in frame.Settings)
                {
                    _ = setting;
                }
            }

            buffer = buffer.Slice(consumed);
        }
    }
}
