using System.Net;
using Engine.IntegrationTests.Grpc.Protos;
using Engine.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// gRPC through the sidecar: h2c prior knowledge from the client, HTTP/2 to a server that speaks
/// nothing else, every call kind, and the trailers that carry a gRPC call's outcome.
/// </summary>
public sealed class GrpcProxyTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(30));
    private GrpcTestServer _server = null!;

    public async Task InitializeAsync() => _server = await GrpcTestServer.StartAsync("grpc-1");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _guard.Dispose();
    }

    private Task<TestSidecar> StartAsync() => TestSidecar.StartAsync([GrpcMesh.Service((_server, "v1")), GrpcMesh.Route()]);

    [Fact]
    public async Task Unary_ReachesTheServerOverHttp2_WithTheServiceAuthorityAndTheMetadata()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().EchoAsync(new EchoRequest { Message = "hi" }, new Metadata { { "x-test-meta", "m1" } }, cancellationToken: _guard.Token);

        Assert.Equal("hi", reply.Message);
        Assert.Equal("grpc-1", reply.Server);
        Assert.Equal("HTTP/2", reply.Protocol);
        Assert.Equal(GrpcMesh.Authority, reply.Authority);
        Assert.Equal("m1", reply.Metadata["x-test-meta"]);
        Assert.Equal("application/grpc", reply.Metadata["content-type"]);
        Assert.Equal("trailers", reply.Metadata["te"]);
    }

    [Theory]
    [InlineData("grpc", "GRPC")]
    [InlineData("grpc-api", "GRPC")]
    [InlineData("http2", "HTTP2")]
    public async Task Unary_PortDeclaredGrpcOrHttp2_IsProxiedOverHttp2(string portName, string protocol)
    {
        await using var sidecar = await TestSidecar.StartAsync([GrpcMesh.Service(portName, protocol, (_server, "v1")), GrpcMesh.Route()]);
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().EchoAsync(new EchoRequest { Message = protocol }, cancellationToken: _guard.Token);

        Assert.Equal(protocol, reply.Message);
        Assert.Equal("HTTP/2", reply.Protocol);
    }

    [Fact]
    public async Task Unary_HttpPortWithH2UpgradePolicyUpgrade_ReachesAnHttp2OnlyServer()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            GrpcMesh.Service("http", "HTTP", (_server, "v1")),
            GrpcMesh.Route(),
            $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: {{GrpcMesh.Host}}}
            spec:
              host: {{GrpcMesh.Host}}
              trafficPolicy:
                connectionPool:
                  http: {h2UpgradePolicy: UPGRADE}
            """,
        ]);
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);

        var reply = await channel.Client().EchoAsync(new EchoRequest { Message = "upgraded" }, cancellationToken: _guard.Token);

        Assert.Equal("upgraded", reply.Message);
        Assert.Equal("HTTP/2", reply.Protocol);
    }

    [Fact]
    public async Task ServerStreaming_DeliversEveryMessageInOrder()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        using var call = channel.Client().Count(new CountRequest { Count = 500 }, cancellationToken: _guard.Token);

        var values = new List<int>();
        await foreach (var number in call.ResponseStream.ReadAllAsync(_guard.Token))
        {
            values.Add(number.Value);
        }

        Assert.Equal(Enumerable.Range(1, 500), values);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        Assert.Equal("grpc-1", call.GetTrailers().GetValue(GrpcTestServer.Trailer));
    }

    [Fact]
    public async Task ClientStreaming_DeliversEveryMessageSent()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        using var call = channel.Client().Sum(cancellationToken: _guard.Token);

        for (var i = 1; i <= 500; i++)
        {
            await call.RequestStream.WriteAsync(new Number { Value = i }, _guard.Token);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(125_250, reply.Total);
        Assert.Equal(500, reply.Count);
        Assert.Equal("grpc-1", reply.Server);
    }

    /// <summary>Each answer is read before the next message is sent: a proxy that waited for the whole request (or response) would hang here.</summary>
    [Fact]
    public async Task BidiStreaming_EachMessageIsAnsweredBeforeTheNextIsSent()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        using var call = channel.Client().Chat(cancellationToken: _guard.Token);

        for (var i = 0; i < 20; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}" }, _guard.Token);
            Assert.True(await call.ResponseStream.MoveNext(_guard.Token));
            Assert.Equal($"m{i}", call.ResponseStream.Current.Message);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(_guard.Token));
        Assert.Equal(new Status(StatusCode.OK, "served by grpc-1"), call.GetStatus());
    }

    [Fact]
    public async Task Unary_ManyConcurrentCallsOnOneConnection_AllSucceed()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var client = channel.Client();

        var replies = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
            await client.EchoAsync(new EchoRequest { Message = $"c{i}" }, cancellationToken: _guard.Token)));

        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"c{i}"), replies.Select(r => r.Message));
    }

    [Fact]
    public async Task Trailers_GrpcStatusGrpcMessageAndCustomTrailer_ReachTheClient()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        using var call = channel.Client().EchoAsync(new EchoRequest { Message = "hi" }, cancellationToken: _guard.Token);

        await call;

        Assert.Equal(new Status(StatusCode.OK, "served by grpc-1"), call.GetStatus());
        Assert.Equal("grpc-1", call.GetTrailers().GetValue(GrpcTestServer.Trailer));
    }

    [Fact]
    public async Task Trailers_AreForwardedAsHttp2Trailers_NotFoldedIntoHeaders()
    {
        await using var sidecar = await StartAsync();
        using var client = GrpcRaw.NewClient(sidecar.Endpoint);

        using var response = await GrpcRaw.CallAsync(client, GrpcMesh.Authority, "Echo", new EchoRequest { Message = "hi" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Header("content-type"));
        Assert.Null(response.Header("grpc-status"));
        Assert.Equal("0", response.Trailer("grpc-status"));
        Assert.Equal("served by grpc-1", response.Trailer("grpc-message"));
        Assert.Equal("grpc-1", response.Trailer(GrpcTestServer.Trailer));
    }

    [Fact]
    public async Task ServerError_TrailersOnlyAnswer_ReachesTheClientWithItsStatusMessageAndTrailer()
    {
        await using var sidecar = await StartAsync();
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var request = new FailRequest { Key = "error", StatusCode = (int)StatusCode.PermissionDenied, FailFirst = 1 };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await channel.Client().FailAsync(request, cancellationToken: _guard.Token));

        Assert.Equal(new Status(StatusCode.PermissionDenied, "grpc-1 fails call 1 of 1"), error.Status);
        Assert.Equal("grpc-1", error.Trailers.GetValue(GrpcTestServer.Trailer));
        Assert.Equal(1, _server.CallsFor("error"));
    }
}
