using Engine.IntegrationTests.Grpc.Protos;
using Engine.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// Routing gRPC calls between two servers (subsets v1/v2 by endpoint labels). All calls share one
/// HTTP/2 connection from the client, so the split must be drawn per call (per stream), not per
/// connection.
/// </summary>
public sealed class GrpcRoutingProxyTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(60));
    private GrpcTestServer _v1 = null!;
    private GrpcTestServer _v2 = null!;

    public async Task InitializeAsync()
    {
        _v1 = await GrpcTestServer.StartAsync("grpc-v1");
        _v2 = await GrpcTestServer.StartAsync("grpc-v2");
    }

    public async Task DisposeAsync()
    {
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        _guard.Dispose();
    }

    private Task<TestSidecar> StartAsync(string http) => TestSidecar.StartAsync(
    [
        GrpcMesh.Service((_v1, "v1"), (_v2, "v2")),
        MeshYaml.Subsets(GrpcMesh.Host, "v1", "v2"),
        $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: {{GrpcMesh.Host}}}
        spec:
          hosts: [{{GrpcMesh.Host}}]
          http:
        {{http}}
        """,
    ]);

    [Fact]
    public async Task WeightedSplit_EightyTwenty_IsDrawnPerCall_OnOneConnection()
    {
        const int n = 1000;
        await using var sidecar = await StartAsync($$"""
              - route:
                - destination: {host: {{GrpcMesh.Host}}, subset: v1}
                  weight: 80
                - destination: {host: {{GrpcMesh.Host}}, subset: v2}
                  weight: 20
            """);
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var client = channel.Client();

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var batch = 0; batch < n / 50; batch++)
        {
            var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
                await client.EchoAsync(new EchoRequest { Message = "w" }, cancellationToken: _guard.Token)));
            foreach (var reply in replies)
            {
                counts[reply.Server] = counts.GetValueOrDefault(reply.Server) + 1;
            }
        }

        Assert.Equal(n, counts.GetValueOrDefault("grpc-v1") + counts.GetValueOrDefault("grpc-v2"));
        AssertShare(counts, "grpc-v1", 0.8, n);
        AssertShare(counts, "grpc-v2", 0.2, n);
    }

    [Fact]
    public async Task HeaderMatch_OnGrpcMetadata_RoutesToTheSubset()
    {
        await using var sidecar = await StartAsync($$$"""
              - match:
                - headers: {x-variant: {exact: canary}}
                route:
                - destination: {host: {{{GrpcMesh.Host}}}, subset: v2}
              - route:
                - destination: {host: {{{GrpcMesh.Host}}}, subset: v1}
            """);
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var client = channel.Client();

        var canary = await client.EchoAsync(new EchoRequest(), new Metadata { { "x-variant", "canary" } }, cancellationToken: _guard.Token);
        var plain = await client.EchoAsync(new EchoRequest(), cancellationToken: _guard.Token);

        Assert.Equal("grpc-v2", canary.Server);
        Assert.Equal("grpc-v1", plain.Server);
    }

    [Fact]
    public async Task UriExactMatch_OnTheGrpcMethodPath_RoutesPerMethod()
    {
        await using var sidecar = await StartAsync($$"""
              - match:
                - uri: {exact: {{GrpcRaw.Service}}Count}
                route:
                - destination: {host: {{GrpcMesh.Host}}, subset: v2}
              - route:
                - destination: {host: {{GrpcMesh.Host}}, subset: v1}
            """);
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var client = channel.Client();

        using var stream = client.Count(new CountRequest { Count = 1 }, cancellationToken: _guard.Token);
        await foreach (var _ in stream.ResponseStream.ReadAllAsync(_guard.Token))
        {
        }

        var echo = await client.EchoAsync(new EchoRequest(), cancellationToken: _guard.Token);

        Assert.Equal("grpc-v2", stream.GetTrailers().GetValue(GrpcTestServer.Trailer));
        Assert.Equal("grpc-v1", echo.Server);
        Assert.Equal(1, _v2.Calls);
    }

    /// <summary>Binomial check, as WeightedRoutingTests: within 5 standard deviations of the weight's share.</summary>
    private static void AssertShare(Dictionary<string, int> counts, string name, double expected, int total)
    {
        var observed = counts.GetValueOrDefault(name);
        var sigma = Math.Sqrt(total * expected * (1 - expected));
        Assert.InRange(observed, (total * expected) - (5 * sigma), (total * expected) + (5 * sigma));
    }
}
