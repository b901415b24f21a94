using System.Diagnostics;
using System.Net;
using Engine.IntegrationTests.Grpc.Protos;
using Engine.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// gRPC deadlines through the proxy to a real gRPC server over HTTP/2: Istio sets max_grpc_timeout
/// to the route timeout, so grpc-timeout is the call's timeout (capped by the route's), the server
/// is told the deadline the proxy enforces (grpc-timeout rewritten, x-envoy-expected-rq-timeout-ms),
/// and Envoy's router headers sent as call metadata steer retries.
/// </summary>
public sealed class GrpcDeadlineProxyTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(30));
    private GrpcTestServer _server = null!;

    public async Task InitializeAsync() => _server = await GrpcTestServer.StartAsync("grpc-1");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _guard.Dispose();
    }

    private Task<TestSidecar> StartAsync(string routeExtras = "") => TestSidecar.StartAsync([GrpcMesh.Service((_server, "v1")), GrpcMesh.Route(routeExtras)]);

    [Fact]
    public async Task ClientDeadline_LongerThanTheRouteTimeout_TheServerSeesTheRouteTimeout()
    {
        await using var sidecar = await StartAsync("    timeout: 2s");
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().EchoAsync(new EchoRequest { Message = "hi" }, deadline: DateTime.UtcNow.AddSeconds(25), cancellationToken: _guard.Token);

        Assert.Equal("2000m", reply.Metadata["grpc-timeout"]);
        Assert.Equal("2000", reply.Metadata["x-envoy-expected-rq-timeout-ms"]);
    }

    [Fact]
    public async Task ClientDeadline_ShorterThanTheRouteTimeout_TheServerSeesTheClientsDeadline()
    {
        await using var sidecar = await StartAsync("    timeout: 20s");
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().EchoAsync(new EchoRequest { Message = "hi" }, deadline: DateTime.UtcNow.AddSeconds(8), cancellationToken: _guard.Token);

        // What is left of 8 s when the proxy read it, in milliseconds (Envoy's unit for it).
        var grpcTimeout = reply.Metadata["grpc-timeout"];
        Assert.EndsWith("m", grpcTimeout, StringComparison.Ordinal);
        var milliseconds = long.Parse(grpcTimeout[..^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(milliseconds, 3_000, 8_000);
        Assert.Equal(milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), reply.Metadata["x-envoy-expected-rq-timeout-ms"]);
    }

    [Fact]
    public async Task NoDeadline_NoRouteTimeout_NothingIsAdded()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().EchoAsync(new EchoRequest { Message = "hi" }, cancellationToken: _guard.Token);

        Assert.False(reply.Metadata.ContainsKey("grpc-timeout"));
        Assert.False(reply.Metadata.ContainsKey("x-envoy-expected-rq-timeout-ms"));
    }

    /// <summary>
    /// The proxy enforces grpc-timeout itself, without a route timeout: Envoy's 504 local reply as a
    /// gRPC caller sees it (HTTP 200, grpc-status 14 UNAVAILABLE, "upstream request timeout"), and
    /// the server's call is reset.
    /// </summary>
    [Fact]
    public async Task GrpcTimeout_ExpiresBeforeTheServerAnswers_ProxyAnswersUnavailable_AndResetsTheCall()
    {
        await using var sidecar = await StartAsync();
        using var client = GrpcRaw.NewClient(sidecar.Endpoint);

        // A first call opens the upstream connection: on a cold, busy machine that alone could take
        // the 300 ms, and the call would then never reach the server.
        using (var warm = await GrpcRaw.CallAsync(client, GrpcMesh.Authority, "Echo", new EchoRequest { Message = "warm" }))
        {
            Assert.Equal("0", warm.Trailer("grpc-status"));
        }

        client.DefaultRequestHeaders.Add("grpc-timeout", "300m");
        var clock = Stopwatch.StartNew();

        using var response = await GrpcRaw.CallAsync(client, GrpcMesh.Authority, "Slow", new SlowRequest { DelayMs = 10_000 });

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"answered after {clock.Elapsed}: grpc-timeout did not apply");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", response.Header("grpc-status"));
        Assert.Equal("upstream request timeout", response.Header("grpc-message"));
        Assert.Equal(2, _server.Calls);
        await WaitFor.ConditionAsync(() => _server.Cancelled == 1, because: "the call was reset when its deadline passed");
    }

    /// <summary>What a Grpc.Net.Client caller sees when its deadline passes first (its own timer and the proxy's race; either way the call ends then).</summary>
    [Fact]
    public async Task ClientDeadline_ShorterThanTheServersDelay_DeadlineExceededInTime()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.Client().SlowAsync(new SlowRequest { DelayMs = 10_000 }, deadline: DateTime.UtcNow.AddMilliseconds(400), cancellationToken: _guard.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"failed after {clock.Elapsed}");
        Assert.Contains(error.StatusCode, new[] { StatusCode.DeadlineExceeded, StatusCode.Unavailable });
        await WaitFor.ConditionAsync(() => _server.Cancelled == 1, because: "the server's call ended with the deadline");
    }

    [Fact]
    public async Task RetryGrpcOnMetadata_RetriesAStatusTheRouteDoesNot()
    {
        await using var sidecar = await StartAsync(); // Istio's default: unavailable and cancelled only
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var headers = new Metadata { { "x-envoy-retry-grpc-on", "resource-exhausted" }, { "x-envoy-max-retries", "3" } };

        var reply = await channel.Client().FailAsync(
            new FailRequest { Key = "re", StatusCode = (int)StatusCode.ResourceExhausted, FailFirst = 3 },
            headers,
            cancellationToken: _guard.Token);

        Assert.Equal(4, reply.Calls);
        Assert.Equal(4, _server.CallsFor("re"));
    }
}
