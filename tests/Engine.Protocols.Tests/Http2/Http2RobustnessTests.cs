using System.Buffers;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using static Engine.Protocols.Tests.Http1.Sequences;

namespace Engine.Protocols.Tests.Http2;

/// <summary>
/// "No exceptions on the data plane": random and mutated input never throws out of the frame reader,
/// the field block assembler or the HPACK decoder — every outcome is a value. Deterministic seeds.
/// </summary>
public class Http2RobustnessTests
{
    [Fact]
    public void FrameReader_RandomBytes_NeverThrows_AlwaysProgressesOrStops()
    {
        var random = new Random(4113);
        for (var i = 0; i < 5000; i++)
        {
            var data = new byte[random.Next(0, 200)];
            random.NextBytes(data);
            if (data.Length >= 9 && i % 2 == 0)
            {
                // Plausible headers: small lengths, known types, so payload checks run too.
                data[0] = 0;
                data[1] = 0;
                data[2] = (byte)random.Next(0, Math.Min(data.Length - 9, 40) + 1);
                data[3] = (byte)random.Next(0, 12);
            }

            foreach (var buffer in new[] { Whole(data), OneBytePerSegment(data) })
            {
                var rest = buffer;
                for (var frames = 0; frames < 100; frames++)
                {
                    var status = Http2FrameReader.TryReadFrame(rest, 16_384, out var frame, out var consumed, out _);
                    if (status is Http2ReadStatus.Incomplete or Http2ReadStatus.ConnectionError)
                    {
                        break;
                    }

                    if (frame.Type == Http2FrameType.Settings)
                    {
                        foreach (var setting in frame.Settings)
                        {
                            _ = Http2Settings.Validate(setting);
                        }
                    }

                    rest = rest.Slice(consumed);
                }
            }
        }
    }

    [Fact]
    public void HpackDecoder_RandomBlocks_NeverThrows()
    {
        var random = new Random(7541);
        var decoder = new HpackDecoder();
        var request = new HttpRequestHead();
        var response = new HttpResponseHead();
        var trailers = new HttpTrailers();
        for (var i = 0; i < 20_000; i++)
        {
            var block = new byte[random.Next(0, 120)];
            random.NextBytes(block);
            _ = (i % 3) switch
            {
                0 => Http2HeadDecoder.DecodeRequest(decoder, block, request, Http2Limits.Default),
                1 => Http2HeadDecoder.DecodeResponse(decoder, block, response, endStream: false, Http2Limits.Default),
                _ => Http2HeadDecoder.DecodeTrailers(decoder, block, trailers, endStream: true, Http2Limits.Default),
            };
            Assert.True(decoder.DynamicTableSize <= 4096);
        }
    }

    [Fact]
    public void HpackDecoder_MutatedValidBlocks_NeverThrow()
    {
        var random = new Random(9113);
        var encoder = new HpackEncoder(huffman: true);
        var head = Hpack.Heads.Request("POST", "https", "reviews:9080", "/a/b?c=d", ("content-type", "application/grpc"), ("te", "trailers"), ("x-id", "42"), ("cookie", "a=1"));
        var valid = Hpack.HpackEncoderTests.EncodeRequest(encoder, head);
        var decoded = new HttpRequestHead();
        for (var i = 0; i < 20_000; i++)
        {
            var decoder = new HpackDecoder();
            var block = (byte[])valid.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                block[random.Next(block.Length)] = (byte)random.Next(256);
            }

            _ = Http2HeadDecoder.DecodeRequest(decoder, block, decoded, Http2Limits.Default);
            _ = Http2HeadDecoder.DecodeRequest(decoder, block.AsSpan(0, random.Next(block.Length)), decoded, Http2Limits.Default);
        }
    }

    [Fact]
    public void Assembler_RandomFrameSequences_NeverThrow()
    {
        var random = new Random(610);
        var assembler = new Http2HeaderBlockAssembler(Http2Limits.Default with { MaxContinuationFrames = 8, MaxHeaderBlockBytes = 256 });
        for (var i = 0; i < 20_000; i++)
        {
            var type = random.Next(3) switch { 0 => Http2FrameType.Headers, 1 => Http2FrameType.Continuation, _ => Http2FrameType.Data };
            var flags = (Http2FrameFlags)random.Next(0, 16);
            var payload = new byte[random.Next(0, 64)];
            var header = new Http2FrameHeader(payload.Length, type, flags, random.Next(1, 4));
            var frame = new Http2Frame { Header = header, Payload = new ReadOnlySequence<byte>(payload) };
            if (assembler.CheckSequence(header) != Http2Error.None || type == Http2FrameType.Data)
            {
                continue;
            }

            if (assembler.Add(frame) != Http2Error.None || assembler.IsComplete)
            {
                assembler.Reset();
            }
        }
    }
}
