using System.Net;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// DestinationRule <c>connectionPool.http.maxConcurrentStreams</c> on an HTTP/2 upstream (Envoy's
/// http2_protocol_options.max_concurrent_streams): each upstream connection carries at most that
/// many streams, so requests held open at the server spread over more connections. Kestrel allows
/// 100 streams per connection, so without the field they all share one. Honoured wherever the
/// other connectionPool fields are: top level, port level, subset.
/// </summary>
public sealed class MaxConcurrentStreamsTests
{
    private const int Held = 6;

    public static TheoryData<string, int, int> Cases => new()
    {
        { "none", 0, 1 },
        { "trafficPolicy", 1, Held },
        { "portLevelSettings", 1, Held },
        { "subset", 1, Held },
        { "trafficPolicy", 2, Held / 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HeldRequests_SpreadOverConnections_OfAtMostTheCapStreams(string placement, int cap, int expectedConnections)
    {
        await using var kestrel = await KestrelH2Server.StartAsync(maxStreamsPerConnection: 100);
        await using var sidecar = await TestSidecar.StartAsync(Mesh(kestrel.Endpoint.Port, placement, cap));

        var held = Enumerable.Range(0, Held).Select(async _ =>
        {
            using var response = await sidecar.GetAsync("svc:8080", "/gate");
            return (response.StatusCode, Text: await response.Content.ReadAsStringAsync());
        }).ToArray();
        await WaitFor.ConditionAsync(() => kestrel.InGate == Held, because: $"all {Held} requests reach the server");
        var connections = kestrel.GateConnections;
        kestrel.OpenGate();
        var responses = await Task.WhenAll(held);

        Assert.All(responses, r => Assert.Equal((HttpStatusCode.OK, "passed"), r));
        Assert.Equal(expectedConnections, connections);
    }

    private static string[] Mesh(int upstreamPort, string placement, int cap)
    {
        var service = MeshYaml.Service("svc", 8080, "http2", [(upstreamPort, new Dictionary<string, string> { ["version"] = "v1" })], "HTTP2");
        var limit = $"connectionPool: {{http: {{maxConcurrentStreams: {cap}}}}}";
        var rule = placement switch
        {
            "none" => "trafficPolicy: {connectionPool: {http: {http2MaxRequests: 1000}}}",
            "trafficPolicy" => $"trafficPolicy: {{{limit}}}",

            // The port-level entry replaces the top-level policy, cap and all.
            "portLevelSettings" => $"trafficPolicy: {{connectionPool: {{http: {{maxConcurrentStreams: 100}}}}, portLevelSettings: [{{port: {{number: 8080}}, {limit}}}]}}",
            "subset" => $"subsets: [{{name: v1, labels: {{version: v1}}, trafficPolicy: {{{limit}}}}}]",
            _ => throw new ArgumentOutOfRangeException(nameof(placement)),
        };
        var destinationRule = $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: svc}
            spec:
              host: svc
              {{rule}}
            """;
        var virtualService = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc, subset: v1}
            """;
        return placement == "subset" ? [service, destinationRule, virtualService] : [service, destinationRule];
    }
}
