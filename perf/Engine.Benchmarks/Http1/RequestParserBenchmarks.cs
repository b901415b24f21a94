using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Benchmarks.Http1;

/// <summary>
/// <see cref="Http1RequestParser.TryParseRequest"/> on one reused head, as the proxy session
/// does for every request on a connection; <c>_Repeated</c>: the same head again through the
/// connection's <see cref="Http1HeadMemo{THead}"/>, which copies the head it kept instead of
/// parsing (a client that repeats a request byte for byte; the browser head, ~700 bytes with its
/// cookies, is over the memo's 512 and always parsed). Steady state must allocate nothing.
/// </summary>
[MemoryDiagnoser]
public class RequestParserBenchmarks
{
    private readonly HttpRequestHead _head = new();
    private readonly Http1Limits _limits = Http1Limits.Default;
    private ReadOnlySequence<byte> _small;
    private ReadOnlySequence<byte> _browser;
    private ReadOnlySequence<byte> _browserSplit;
    private Http1HeadMemo<HttpRequestHead> _smallMemo = new();

    [GlobalSetup]
    public void Setup()
    {
        _small = new ReadOnlySequence<byte>(Requests.Bytes(Requests.SmallGet));
        _browser = new ReadOnlySequence<byte>(Requests.Bytes(Requests.BrowserGet));

        // Three segments: the head straddles pipe blocks (the parser's slow path).
        _browserSplit = Segments.Split(Requests.Bytes(Requests.BrowserGet), 3);
        _smallMemo = Primed(_small);
    }

    [Benchmark(Baseline = true)]
    public Http1ParseStatus SmallGet() => Parse(_small);

    [Benchmark]
    public Http1ParseStatus BrowserGet12Headers() => Parse(_browser);

    [Benchmark]
    public Http1ParseStatus BrowserGet12Headers_3Segments() => Parse(_browserSplit);

    [Benchmark]
    public Http1ParseStatus SmallGet_Repeated() => Http1RequestParser.TryParseRequest(_small, _head, _limits, _smallMemo, out _, out _);

    /// <summary>A memo that has seen the head twice, so it copies from now on.</summary>
    private Http1HeadMemo<HttpRequestHead> Primed(in ReadOnlySequence<byte> buffer)
    {
        var memo = new Http1HeadMemo<HttpRequestHead>();
        for (var i = 0; i < 3; i++)
        {
            Http1RequestParser.TryParseRequest(buffer, _head, _limits, memo, out _, out _);
        }

        return memo.Replays == 1 ? memo : throw new InvalidOperationException("the memo did not keep the head");
    }

    private Http1ParseStatus Parse(in ReadOnlySequence<byte> buffer)
    {
        var status = Http1RequestParser.TryParseRequest(buffer, _head, _limits, out _, out _);
        return status;
    }
}
