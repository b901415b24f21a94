using System.Net;
using Engine.IntegrationTests.Grpc.Protos;
using Engine.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// VirtualService faults, retries and timeouts on gRPC calls, as Envoy applies them: aborts and
/// local replies are trailers-only answers (HTTP 200 + grpc-status), retry conditions read
/// grpc-status from the response headers, a route timeout is UNAVAILABLE "upstream request timeout"
/// (Envoy maps its 504 local reply with httpToGrpcStatus; istio-semantics.md §6).
/// </summary>
public sealed class GrpcResilienceProxyTests : IAsyncLifetime
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

    private async Task<RpcException> FailureAsync(TestSidecar sidecar, Func<TestService.TestServiceClient, Task> call)
    {
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        return await Assert.ThrowsAsync<RpcException>(() => call(channel.Client()));
    }

    [Theory]
    [InlineData("UNAVAILABLE", StatusCode.Unavailable)]
    [InlineData("RESOURCE_EXHAUSTED", StatusCode.ResourceExhausted)]
    [InlineData("PERMISSION_DENIED", StatusCode.PermissionDenied)]
    public async Task FaultAbort_GrpcStatus_ClientSeesThatStatus_AndTheServerNoCall(string grpcStatus, StatusCode expected)
    {
        await using var sidecar = await StartAsync($$$"""
                fault:
                  abort: {grpcStatus: {{{grpcStatus}}}, percentage: {value: 100}}
                retries: {attempts: 3, retryOn: "unavailable,resource-exhausted"}
            """);

        var error = await FailureAsync(sidecar, async c => await c.EchoAsync(new EchoRequest { Message = "hi" }, cancellationToken: _guard.Token));

        Assert.Equal(new Status(expected, "fault filter abort"), error.Status);
        Assert.Equal(0, _server.Calls);
    }

    [Fact]
    public async Task FaultAbort_GrpcStatus_IsATrailersOnlyHttp2Answer()
    {
        await using var sidecar = await StartAsync("""
                fault:
                  abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}
            """);
        using var client = GrpcRaw.NewClient(sidecar.Endpoint);

        using var response = await GrpcRaw.CallAsync(client, GrpcMesh.Authority, "Echo", new EchoRequest { Message = "hi" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Header("content-type"));
        Assert.Equal("14", response.Header("grpc-status"));
        Assert.Equal("fault filter abort", response.Header("grpc-message"));
    }

    [Fact]
    public async Task Retry_OnUnavailable_TwoFailuresThenSuccess_ClientSucceeds_ServerSawThreeCalls()
    {
        await using var sidecar = await StartAsync("    retries: {attempts: 3, retryOn: unavailable}");
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().FailAsync(new FailRequest { Key = "u", StatusCode = (int)StatusCode.Unavailable, FailFirst = 2 }, cancellationToken: _guard.Token);

        Assert.Equal(3, reply.Calls);
        Assert.Equal(3, _server.CallsFor("u"));
    }

    [Theory]
    [InlineData("unavailable", 1)]
    [InlineData("resource-exhausted", 3)]
    [InlineData("unavailable,resource-exhausted", 3)]
    public async Task Retry_ResourceExhausted_IsRetriedOnlyWhenRetryOnNamesIt(string retryOn, int expectedCalls)
    {
        await using var sidecar = await StartAsync($"    retries: {{attempts: 3, retryOn: \"{retryOn}\"}}");
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var request = new FailRequest { Key = "re", StatusCode = (int)StatusCode.ResourceExhausted, FailFirst = 2 };

        if (expectedCalls == 1)
        {
            var error = await Assert.ThrowsAsync<RpcException>(async () => await channel.Client().FailAsync(request, cancellationToken: _guard.Token));
            Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        }
        else
        {
            Assert.Equal(3, (await channel.Client().FailAsync(request, cancellationToken: _guard.Token)).Calls);
        }

        Assert.Equal(expectedCalls, _server.CallsFor("re"));
    }

    [Fact]
    public async Task Retry_AttemptsExhausted_ClientSeesTheLastUpstreamStatusAndTrailer()
    {
        await using var sidecar = await StartAsync("    retries: {attempts: 2, retryOn: unavailable}");
        var request = new FailRequest { Key = "x", StatusCode = (int)StatusCode.Unavailable, FailFirst = 10 };

        var error = await FailureAsync(sidecar, async c => await c.FailAsync(request, cancellationToken: _guard.Token));

        Assert.Equal(new Status(StatusCode.Unavailable, "grpc-1 fails call 3 of 10"), error.Status);
        Assert.Equal("grpc-1", error.Trailers.GetValue(GrpcTestServer.Trailer));
        Assert.Equal(3, _server.CallsFor("x"));
    }

    /// <summary>Istio's default policy (no <c>retries</c>): 2 retries on connect-failure, refused-stream, unavailable, cancelled (istio-semantics.md §3.10).</summary>
    [Fact]
    public async Task DefaultRetryPolicy_RetriesUnavailableTwice()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().FailAsync(new FailRequest { Key = "d", StatusCode = (int)StatusCode.Unavailable, FailFirst = 2 }, cancellationToken: _guard.Token);

        Assert.Equal(3, reply.Calls);
    }

    [Fact]
    public async Task DefaultRetryPolicy_DoesNotRetryAborted()
    {
        await using var sidecar = await StartAsync();
        var request = new FailRequest { Key = "a", StatusCode = (int)StatusCode.Aborted, FailFirst = 2 };

        var error = await FailureAsync(sidecar, async c => await c.FailAsync(request, cancellationToken: _guard.Token));

        Assert.Equal(new Status(StatusCode.Aborted, "grpc-1 fails call 1 of 2"), error.Status);
        Assert.Equal(1, _server.CallsFor("a"));
    }

    [Fact]
    public async Task RouteTimeout_ClientGetsUnavailableUpstreamRequestTimeout_AndTheServerCallIsCancelled()
    {
        await using var sidecar = await StartAsync("    timeout: 0.3s");

        var error = await FailureAsync(sidecar, async c => await c.SlowAsync(new SlowRequest { DelayMs = 10_000 }, cancellationToken: _guard.Token));

        Assert.Equal(new Status(StatusCode.Unavailable, "upstream request timeout"), error.Status);
        await WaitFor.ConditionAsync(() => _server.Cancelled == 1, because: "the proxy reset the upstream stream when the route timed out");
    }

    [Fact]
    public async Task RouteTimeout_IsATrailersOnlyHttp2Answer_NotAnHtmlOrTextBody()
    {
        await using var sidecar = await StartAsync("    timeout: 0.3s");
        using var client = GrpcRaw.NewClient(sidecar.Endpoint);

        using var response = await GrpcRaw.CallAsync(client, GrpcMesh.Authority, "Slow", new SlowRequest { DelayMs = 10_000 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Header("content-type"));
        Assert.Equal("14", response.Header("grpc-status"));
        Assert.Equal("upstream request timeout", response.Header("grpc-message"));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task RouteTimeout_NotHitByAnAnswerInTime()
    {
        await using var sidecar = await StartAsync("    timeout: 5s");
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().SlowAsync(new SlowRequest { DelayMs = 50, Message = "late but in time" }, cancellationToken: _guard.Token);

        Assert.Equal("late but in time", reply.Message);
    }
}
