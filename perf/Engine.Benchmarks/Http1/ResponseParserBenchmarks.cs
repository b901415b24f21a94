using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Benchmarks.Http1;

/// <summary>
/// <see cref="Http1ResponseParser.TryParseResponse"/> on what the upstream sends back;
/// <c>_Repeated</c>: the same head again through the upstream connection's
/// <see cref="Http1HeadMemo{THead}"/> (nginx answering one request the same way within a second).
/// </summary>
[MemoryDiagnoser]
public class ResponseParserBenchmarks
{
    private readonly HttpResponseHead _head = new();
    private readonly Http1Limits _limits = Http1Limits.Default;
    private ReadOnlySequence<byte> _minimal;
    private ReadOnlySequence<byte> _nginx;
    private Http1HeadMemo<HttpResponseHead> _nginxMemo = new();

    [GlobalSetup]
    public void Setup()
    {
        _minimal = new ReadOnlySequence<byte>(Requests.Bytes(Requests.MinimalResponse));
        _nginx = new ReadOnlySequence<byte>(Requests.Bytes(Requests.NginxResponse));
        for (var i = 0; i < 3; i++)
        {
            Http1ResponseParser.TryParseResponse(_nginx, _head, _limits, _nginxMemo, out _, out _);
        }

        if (_nginxMemo.Replays != 1)
        {
            throw new InvalidOperationException("the memo did not keep the head");
        }
    }

    [Benchmark(Baseline = true)]
    public Http1ParseStatus Minimal() => Http1ResponseParser.TryParseResponse(_minimal, _head, _limits, out _, out _);

    [Benchmark]
    public Http1ParseStatus Nginx8Headers() => Http1ResponseParser.TryParseResponse(_nginx, _head, _limits, out _, out _);

    [Benchmark]
    public Http1ParseStatus Nginx8Headers_Repeated() => Http1ResponseParser.TryParseResponse(_nginx, _head, _limits, _nginxMemo, out _, out _);
}
