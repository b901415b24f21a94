using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Http1;

namespace Engine.Benchmarks.Http1;

/// <summary>
/// <see cref="ChunkedDecoder.Decode"/> over a whole chunked body, looping as the body copier
/// does (data slice, advance, call again) until the last chunk. The result is the body length.
/// </summary>
[MemoryDiagnoser]
public class ChunkedDecoderBenchmarks
{
    private readonly ChunkedDecoder _decoder = new();
    private ReadOnlySequence<byte> _body;

    /// <summary>Chunk count × size: many small chunks (framing-bound) and a few large ones (copy-bound).</summary>
    [Params("64x64B", "4x8KiB")]
    public string Shape { get; set; } = "64x64B";

    [GlobalSetup]
    public void Setup()
    {
        var bytes = Shape == "64x64B" ? Requests.ChunkedBody(64, 64) : Requests.ChunkedBody(4, 8 * 1024);
        _body = new ReadOnlySequence<byte>(bytes);
    }

    [Benchmark]
    public long DecodeBody()
    {
        _decoder.Reset();
        var input = _body;
        long total = 0;
        while (true)
        {
            var status = _decoder.Decode(input, out var data, out var consumed, out _);
            switch (status)
            {
                case ChunkedDecodeStatus.Data:
                    total += data.Length;
                    input = input.Slice(consumed);
                    continue;
                case ChunkedDecodeStatus.Complete:
                    return total;
                case ChunkedDecodeStatus.NeedMoreData:
                    return -1; // the whole body is in the input: never expected
                default:
                    return -2;
            }
        }
    }
}
