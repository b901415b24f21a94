using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Http;
using Engine.Proxy;

namespace Engine.Benchmarks.Proxy;

/// <summary>
/// The heads the proxy writes: <see cref="RequestHeadSerializer"/> (client's fields minus
/// hop-by-hop, plus x-forwarded-proto, x-request-id and x-envoy-attempt-count, as the Envoy
/// sidecar sends them) and <see cref="ResponseHeadSerializer"/>, each into a pipe that is then
/// flushed and drained (that cost is included: it is what the proxy pays per message too).
/// </summary>
[MemoryDiagnoser]
public class HeadSerializerBenchmarks
{
    private readonly PipeSink _sink = new();
    private HttpRequestHead _small = new();
    private HttpRequestHead _browser = new();
    private HttpResponseHead _response = new();

    [GlobalSetup]
    public void Setup()
    {
        _small = Requests.ParseRequest(Requests.SmallGet);
        _browser = Requests.ParseRequest(Requests.BrowserGet);
        _response = Requests.ParseResponse(Requests.NginxResponse);
    }

    /// <summary>Small GET, as the engine sends it by default (a new x-request-id, attempt count 1).</summary>
    [Benchmark(Baseline = true)]
    public long Request_SmallGet()
    {
        RequestHeadSerializer.Write(_sink.Writer, _small, new UpstreamRequestExtras(AttemptCount: 1, GenerateRequestId: true));
        return _sink.Drain();
    }

    /// <summary>Small GET without generating a request id (isolates the UUID's cost).</summary>
    [Benchmark]
    public long Request_SmallGet_NoRequestId()
    {
        RequestHeadSerializer.Write(_sink.Writer, _small, new UpstreamRequestExtras(AttemptCount: 1, GenerateRequestId: false));
        return _sink.Drain();
    }

    /// <summary>Browser-like GET with 12 fields (it carries its own x-request-id; Connection is dropped).</summary>
    [Benchmark]
    public long Request_BrowserGet12Headers()
    {
        RequestHeadSerializer.Write(_sink.Writer, _browser, new UpstreamRequestExtras(AttemptCount: 1, GenerateRequestId: true));
        return _sink.Drain();
    }

    /// <summary>nginx's 8-field response going back downstream, with x-envoy-upstream-service-time.</summary>
    [Benchmark]
    public long Response_Nginx8Headers()
    {
        ResponseHeadSerializer.Write(_sink.Writer, _response, new DownstreamResponseExtras(Chunked: false, Close: false, KeepAliveHeader: false, ServiceTimeMs: 1));
        return _sink.Drain();
    }
}
