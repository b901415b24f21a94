using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Benchmarks.Http1;

/// <summary><see cref="Http1ResponseParser.TryParseResponse"/> on what the upstream sends back.</summary>
[MemoryDiagnoser]
public class ResponseParserBenchmarks
{
    private readonly HttpResponseHead _head = new();
    private readonly Http1Limits _limits = Http1Limits.Default;
    private ReadOnlySequence<byte> _minimal;
    private ReadOnlySequence<byte> _nginx;

    [GlobalSetup]
    public void Setup()
    {
        _minimal = new ReadOnlySequence<byte>(Requests.Bytes(Requests.MinimalResponse));
        _nginx = new ReadOnlySequence<byte>(Requests.Bytes(Requests.NginxResponse));
    }

    [Benchmark(Baseline = true)]
    public Http1ParseStatus Minimal() => Http1ResponseParser.TryParseResponse(_minimal, _head, _limits, out _, out _);

    [Benchmark]
    public Http1ParseStatus Nginx8Headers() => Http1ResponseParser.TryParseResponse(_nginx, _head, _limits, out _, out _);
}
