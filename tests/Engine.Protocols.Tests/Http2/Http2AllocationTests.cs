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
