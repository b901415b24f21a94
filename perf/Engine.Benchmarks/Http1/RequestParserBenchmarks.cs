using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Benchmarks.Http1;

/// <summary>
/// <see cref="Http1RequestParser.TryParseRequest"/> on one reused head, as the proxy session
/// does for every request on a connection. Steady state must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class RequestParserBenchmarks
{
    private readonly HttpRequestHead _head = new();
    private readonly Http1Limits _limits = Http1Limits.Default;
    private ReadOnlySequence<byte> _small;
    private ReadOnlySequence<byte> _browser;
    private ReadOnlySequence<byte> _browserSplit;

    [GlobalSetup]
    public void Setup()
    {
        _small = new ReadOnlySequence<byte>(Requests.Bytes(Requests.SmallGet));
        _browser = new ReadOnlySequence<byte>(Requests.Bytes(Requests.BrowserGet));

        // Three segments: the head straddles pipe blocks (the parser's slow path).
        _browserSplit = Segments.Split(Requests.Bytes(Requests.BrowserGet), 3);
    }

    [Benchmark(Baseline = true)]
    public Http1ParseStatus SmallGet() => Parse(_small);

    [Benchmark]
    public Http1ParseStatus BrowserGet12Headers() => Parse(_browser);

    [Benchmark]
    public Http1ParseStatus BrowserGet12Headers_3Segments() => Parse(_browserSplit);

    private Http1ParseStatus Parse(in ReadOnlySequence<byte> buffer)
    {
        var status = Http1RequestParser.TryParseRequest(buffer, _head, _limits, out _, out _);
        return status;
    }
}
