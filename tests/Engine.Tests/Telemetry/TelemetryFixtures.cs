using System.Buffers;
using System.Net;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Proxy;
using Engine.Telemetry;
using Engine.Transport;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;

namespace Engine.Tests.Telemetry;

/// <summary>Parsed request heads, clusters and finished requests for the telemetry unit tests (no sockets).</summary>
internal static class TelemetryFixtures
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 3, 15, 33, 123, TimeSpan.Zero);

    // Shared so that building a CompletedRequest allocates nothing (the allocation tests build one per call).
    private static readonly IPEndPoint ClientAddress = new(IPAddress.Parse("10.0.0.7"), 51234);
    private static readonly IPEndPoint ListenerAddress = new(IPAddress.Loopback, 15001);
    private static readonly IPEndPoint ClientAddressV6 = new(IPAddress.IPv6Loopback, 40000);
    private static readonly IPEndPoint ListenerAddressV6 = new(IPAddress.IPv6Loopback, 15001);

    private static readonly UpstreamConnector Connector = new(SocketTransports.CreateUpstreamFactory(new TransportSettings()));

    public static HttpRequestHead Parse(string head)
    {
        var request = new HttpRequestHead();
        var status = Http1RequestParser.TryParseRequest(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)), request, Http1Limits.Default, out _, out var error);
        Assert.True(status == Http1ParseStatus.Complete, $"{status} {error}");
        return request;
    }

    public static Cluster Cluster(string name = "outbound|9080|v1|reviews.default.svc.cluster.local", int endpointPort = 9081)
    {
        var address = new IPEndPoint(IPAddress.Loopback, endpointPort);
        var pool = new Http1ConnectionPool(address, Connector, UpstreamPoolSettings.Default);
        var endpoint = new Endpoint(address, new Dictionary<string, string> { ["version"] = "v1" }, 1, pool);
        return new Cluster(name, "reviews.default.svc.cluster.local", 9080, "v1", [endpoint], new RoundRobinBalancer(SharedRandomSource.Instance), UpstreamPoolSettings.Default);
    }

    /// <summary>A proxied 200 with every field of the log line set.</summary>
    public static CompletedRequest Proxied(HttpRequestHead request, Cluster cluster, HttpResponseHead response, int status = 200, ResponseFlags flags = ResponseFlags.None)
        => new()
        {
            Request = request,
            Response = response,
            Protocol = "HTTP/1.1",
            Status = status,
            Flags = flags,
            StartTime = Start,
            Duration = TimeSpan.FromMilliseconds(7.9),
            UpstreamServiceTimeMs = 5,
            BytesReceived = 12,
            BytesSent = 345,
            Attempts = 1,
            Cluster = cluster,
            UpstreamHost = cluster.Endpoints[0],
            RouteName = "reviews-v1",
            DownstreamRemote = ClientAddress,
            DownstreamLocal = ListenerAddress,
        };

    /// <summary>A local reply (no upstream response).</summary>
    public static CompletedRequest Local(HttpRequestHead request, int status, ResponseFlags flags, Cluster? cluster = null, string? route = null)
        => new()
        {
            Request = request,
            Protocol = "HTTP/1.1",
            Status = status,
            Flags = flags,
            StartTime = Start,
            Duration = TimeSpan.FromMilliseconds(0.4),
            UpstreamServiceTimeMs = -1,
            Cluster = cluster,
            RouteName = route,
            DownstreamRemote = ClientAddressV6,
            DownstreamLocal = ListenerAddressV6,
        };
}
