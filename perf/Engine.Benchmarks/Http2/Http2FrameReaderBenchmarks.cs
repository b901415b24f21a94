using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http2;

namespace Engine.Benchmarks.Http2;

/// <summary>
/// <see cref="Http2FrameReader.TryReadFrame"/> over what one request/response exchange puts on a
/// connection: HEADERS, two DATA frames, WINDOW_UPDATE, PING and a SETTINGS ACK. Whole, and split
/// over three pipe segments (frames straddling blocks). Steady state must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class Http2FrameReaderBenchmarks
{
    private ReadOnlySequence<byte> _whole;
    private ReadOnlySequence<byte> _split;

    [GlobalSetup]
    public void Setup()
    {
        var writer = new ArrayBufferWriter<byte>();
        Http2HeadWriter.WriteRequest(writer, 1, Requests.ParseRequest(Requests.BrowserGet), new HpackEncoder(), endStream: false, 16_384);
        Http2FrameWriter.WriteData(writer, 1, new ReadOnlySequence<byte>(new byte[1024]), endStream: false, 16_384);
        Http2FrameWriter.WriteData(writer, 1, new ReadOnlySequence<byte>(new byte[13]), endStream: true, 16_384);
        Http2FrameWriter.WriteWindowUpdate(writer, 0, 1037);
        Http2FrameWriter.WritePing(writer, 42, ack: false);
        Http2FrameWriter.WriteSettingsAck(writer);
        var bytes = writer.WrittenSpan.ToArray();
        _whole = new ReadOnlySequence<byte>(bytes);
        _split = Segments.Split(bytes, 3);
    }

    [Benchmark(Baseline = true)]
    public int SixFrames() => ReadAll(_whole);

    [Benchmark]
    public int SixFrames_3Segments() => ReadAll(_split);

    private static int ReadAll(ReadOnlySequence<byte> buffer)
    {
        var frames = 0;
        while (Http2FrameReader.TryReadFrame(buffer, 16_384, out _, out var consumed, out _) == Http2ReadStatus.Frame)
        {
            frames++;
            buffer = buffer.Slice(consumed);
        }

        return frames;
    }
}
