using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http2;

namespace Engine.Benchmarks.Http2;

/// <summary>
/// <see cref="Http2FrameReader.TryReadFrame"/> over what clients put on a connection.
/// <list type="bullet">
/// <item><c>SixFrames</c>: one request/response exchange (HEADERS, two DATA, WINDOW_UPDATE, PING,
/// SETTINGS ACK), frames read and skipped.</item>
/// <item><c>GrpcConnection</c>: the first read of a grpc-go-like client after the preface, 13 frames:
/// SETTINGS with three parameters, a connection WINDOW_UPDATE, the ACK of our SETTINGS, four unary
/// calls (HEADERS with a Huffman-coded block, the first literal and the rest table references, then
/// one DATA of a 128-byte message ending the stream), a PING and another WINDOW_UPDATE. Each frame is
/// acted on as the connection reader does before its per-stream work: SETTINGS applied, HEADERS
/// through the block assembler's sequence check and assembly, DATA counted against flow control,
/// WINDOW_UPDATE and PING fields read.</item>
/// </list>
/// Whole, and split over three pipe segments (frames straddling blocks). Nothing may be allocated.
/// </summary>
[MemoryDiagnoser]
public class Http2FrameReaderBenchmarks
{
    private readonly Http2HeaderBlockAssembler _assembler = new(Http2Limits.Default);
    private Http2Settings _peerSettings = new();
    private ReadOnlySequence<byte> _exchange;
    private ReadOnlySequence<byte> _exchangeSplit;
    private ReadOnlySequence<byte> _grpc;
    private ReadOnlySequence<byte> _grpcSplit;

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
        _exchange = new ReadOnlySequence<byte>(bytes);
        _exchangeSplit = Segments.Split(bytes, 3);

        writer = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteSettings(writer, [
            new Http2Setting(Http2SettingsParameter.InitialWindowSize, 4_194_304),
            new Http2Setting(Http2SettingsParameter.MaxHeaderListSize, 16_777_216),
            new Http2Setting(Http2SettingsParameter.EnablePush, 0),
        ]);
        Http2FrameWriter.WriteWindowUpdate(writer, 0, 4_128_769);
        Http2FrameWriter.WriteSettingsAck(writer);
        var encoder = new HpackEncoder(huffman: true);
        var message = new byte[5 + 128];
        message[4] = 128;
        for (var stream = 1; stream <= 7; stream += 2)
        {
            var call = Requests.ParseRequest(stream == 1 ? Requests.GrpcCall : Requests.GrpcCallNext);
            Http2HeadWriter.WriteRequest(writer, stream, call, encoder, endStream: false, 16_384);
            Http2FrameWriter.WriteData(writer, stream, new ReadOnlySequence<byte>(message), endStream: true, 16_384);
        }

        Http2FrameWriter.WritePing(writer, 0x0102030405060708, ack: false);
        Http2FrameWriter.WriteWindowUpdate(writer, 0, 4 * message.Length);
        bytes = writer.WrittenSpan.ToArray();
        _grpc = new ReadOnlySequence<byte>(bytes);
        _grpcSplit = Segments.Split(bytes, 3);
        if (GrpcConnection() != 13 || GrpcConnection_3Segments() != 13)
        {
            throw new InvalidOperationException("the gRPC connection does not read as 13 frames");
        }

        Console.WriteLine($"// exchange {_exchange.Length} B, gRPC connection start {_grpc.Length} B");
    }

    [Benchmark(Baseline = true)]
    public int SixFrames() => ReadAll(_exchange);

    [Benchmark]
    public int SixFrames_3Segments() => ReadAll(_exchangeSplit);

    [Benchmark]
    public int GrpcConnection() => ReadLikeConnection(_grpc);

    [Benchmark]
    public int GrpcConnection_3Segments() => ReadLikeConnection(_grpcSplit);

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

    /// <summary>The frame loop of Http2Connection.ReadFrames and the codec half of its OnFrame handlers.</summary>
    private int ReadLikeConnection(ReadOnlySequence<byte> buffer)
    {
        _peerSettings = new Http2Settings();
        var frames = 0;
        long dataBytes = 0;
        long windowIncrements = 0;
        ulong pings = 0;
        var blockBytes = 0;
        while (Http2FrameReader.TryReadFrame(buffer, 16_384, out var frame, out var consumed, out _) == Http2ReadStatus.Frame)
        {
            var error = _assembler.CheckSequence(frame.Header);
            switch (frame.Type)
            {
                case Http2FrameType.Settings when !frame.IsAck:
                    error = _peerSettings.Apply(frame.Payload, receivedByClient: false, out _);
                    break;
                case Http2FrameType.Headers or Http2FrameType.Continuation:
                    error = _assembler.Add(frame);
                    if (_assembler.IsComplete)
                    {
                        blockBytes += _assembler.Block.Length;
                        _assembler.Reset();
                    }

                    break;
                case Http2FrameType.Data:
                    dataBytes += frame.Length;
                    break;
                case Http2FrameType.WindowUpdate:
                    windowIncrements += frame.WindowIncrement;
                    break;
                case Http2FrameType.Ping:
                    pings ^= frame.PingData;
                    break;
            }

            if (error != Http2Error.None)
            {
                throw new InvalidOperationException($"frame {frame.Type}: {error}");
            }

            frames++;
            buffer = buffer.Slice(consumed);
        }

        return dataBytes + windowIncrements + (long)pings + blockBytes > 0 ? frames : -1;
    }
}
