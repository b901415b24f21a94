using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Benchmarks.Upstream;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Proxy;
using Engine.Routing;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;

namespace Engine.Benchmarks.Proxy;

/// <summary>
/// Every CPU step of one proxied HTTP/1.1 request in the order <see cref="Http1ProxySession"/>
/// takes them, without sockets or awaits: parse the request head, normalise the path, match the
/// route, pick destination and endpoint, lease a pooled connection, write the upstream head,
/// parse the upstream response head, write the downstream head, return the connection. The
/// issue's goal for this sum is 0 B allocated per request.
/// </summary>
[MemoryDiagnoser]
public class HotPathBenchmarks
{
    private readonly HttpRequestHead _request = new();
    private readonly HttpResponseHead _response = new();
    private readonly byte[] _scratch = new byte[16 * 1024];
    private readonly PipeSink _upstream = new();
    private readonly PipeSink _downstream = new();
    private readonly Http1Limits _limits = Http1Limits.Default;
    private ReadOnlySequence<byte> _smallGet;
    private ReadOnlySequence<byte> _browserGet;
    private ReadOnlySequence<byte> _responseBytes;
    private RouteTable _routes = RouteTable.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _smallGet = new ReadOnlySequence<byte>(Requests.Bytes(Requests.SmallGet));
        _browserGet = new ReadOnlySequence<byte>(Requests.Bytes(Requests.BrowserGet.Replace("reviews.default.svc.cluster.local", "upstream.bench", StringComparison.Ordinal)));
        _responseBytes = new ReadOnlySequence<byte>(Requests.Bytes(Requests.NginxResponse));

        // One service with three endpoints, least-request (Istio's default), default route.
        var endpoints = FakeUpstreams.Endpoints(3);
        foreach (var endpoint in endpoints)
        {
            for (var i = 0; i < 4; i++)
            {
                endpoint.Pool.Return(FakeUpstreams.IdleConnection(endpoint.Pool, i));
            }
        }

        var cluster = new Cluster("outbound|80||upstream.bench", "upstream.bench", 80, null, endpoints, new LeastRequestBalancer(SharedRandomSource.Instance), UpstreamPoolSettings.Default);
        var rule = new RouteRule("default", 0, [], new RouteAction([new RouteDestination("upstream.bench", null, null, 1, cluster, [])]));
        var vhost = new VirtualHost("upstream.bench", ["upstream.bench"], [rule], fromVirtualService: false);
        _routes = new RouteTable(new Dictionary<string, VirtualHost> { ["upstream.bench"] = vhost }, [], null);

        if (SmallGet() <= 0 || BrowserGet12Headers() <= 0)
        {
            throw new InvalidOperationException("hot path did not complete");
        }
    }

    [Benchmark(Baseline = true)]
    public long SmallGet() => Proxy(_smallGet);

    [Benchmark]
    public long BrowserGet12Headers() => Proxy(_browserGet);

    private long Proxy(in ReadOnlySequence<byte> requestBytes)
    {
        _request.Reset();
        if (Http1RequestParser.TryParseRequest(requestBytes, _request, _limits, out _, out _) != Http1ParseStatus.Complete
            || !PathNormalizer.TryNormalize(_request))
        {
            return -1;
        }

        var port = RouteTable.PortOf(_request);
        var match = _routes.Match(new RequestView(_request, port, _scratch));
        var cluster = match.Rule?.Action.Pick(SharedRandomSource.Instance)?.Resolve(port);
        var endpoint = cluster?.Pick();
        var connection = endpoint?.Pool.TryTakeIdle();
        if (endpoint is null || connection is null)
        {
            return -2;
        }

        endpoint.RequestStarted();
        RequestHeadSerializer.Write(_upstream.Writer, _request, new UpstreamRequestExtras(AttemptCount: 1, GenerateRequestId: true));
        var sent = _upstream.Drain();

        _response.Reset();
        if (Http1ResponseParser.TryParseResponse(_responseBytes, _response, _limits, out _, out _) != Http1ParseStatus.Complete)
        {
            return -3;
        }

        ResponseHeadSerializer.Write(_downstream.Writer, _response, new DownstreamResponseExtras(Chunked: false, Close: false, KeepAliveHeader: false, ServiceTimeMs: 0));
        var received = _downstream.Drain();
        endpoint.RequestFinished();
        endpoint.Pool.Return(connection);
        return sent + received;
    }
}
