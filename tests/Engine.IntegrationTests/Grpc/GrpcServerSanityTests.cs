using System.Net;
using Engine.IntegrationTests.Grpc.Protos;
using Engine.IntegrationTests.Infrastructure;
using Grpc.Core;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// The gRPC test server and clients on their own, no proxy: proves the fixture behaves as the
/// proxy tests assume, so a red proxy test points at the proxy.
/// </summary>
public sealed class GrpcServerSanityTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(30));
    private GrpcTestServer _server = null!;

    public async Task InitializeAsync() => _server = await GrpcTestServer.StartAsync("grpc-1");

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _guard.Dispose();
    }

    private IPEndPoint ServerEndpoint => new(IPAddress.Loopback, _server.Port);

    [Fact]
    public async Task Echo_ReturnsTheMessage_TheMetadata_AndWhoServedIt_OverHttp2()
    {
        using var channel = GrpcClients.Direct(_server.Port);

        var reply = await channel.Client().EchoAsync(new EchoRequest { Message = "hi" }, new Metadata { { "x-test-meta", "m1" } }, cancellationToken: _guard.Token);

        Assert.Equal("hi", reply.Message);
        Assert.Equal("grpc-1", reply.Server);
        Assert.Equal("HTTP/2", reply.Protocol);
        Assert.Equal($"127.0.0.1:{_server.Port}", reply.Authority);
        Assert.Equal("m1", reply.Metadata["x-test-meta"]);
        Assert.Equal("application/grpc", reply.Metadata["content-type"]);
        Assert.Equal("trailers", reply.Metadata["te"]);
    }

    [Fact]
    public async Task AuthorityHandler_SendsTheServiceAuthority_ToTheAddressItConnectsTo()
    {
        using var channel = GrpcClients.Via(ServerEndpoint, GrpcMesh.Authority);

        var reply = await channel.Client().EchoAsync(new EchoRequest { Message = "hi" }, cancellationToken: _guard.Token);

        Assert.Equal(GrpcMesh.Authority, reply.Authority);
        Assert.Equal("grpc-1", reply.Server);
    }

    [Fact]
    public async Task Count_StreamsEveryMessageInOrder()
    {
        using var channel = GrpcClients.Direct(_server.Port);
        using var call = channel.Client().Count(new CountRequest { Count = 50 }, cancellationToken: _guard.Token);

        var values = new List<int>();
        await foreach (var number in call.ResponseStream.ReadAllAsync(_guard.Token))
        {
            values.Add(number.Value);
        }

        Assert.Equal(Enumerable.Range(1, 50), values);
        Assert.Equal("grpc-1", call.GetTrailers().GetValue(GrpcTestServer.Trailer));
    }

    [Fact]
    public async Task Sum_AddsEveryMessageSent()
    {
        using var channel = GrpcClients.Direct(_server.Port);
        using var call = channel.Client().Sum(cancellationToken: _guard.Token);

        for (var i = 1; i <= 100; i++)
        {
            await call.RequestStream.WriteAsync(new Number { Value = i }, _guard.Token);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;

        Assert.Equal(5050, reply.Total);
        Assert.Equal(100, reply.Count);
    }

    [Fact]
    public async Task Chat_AnswersEachMessageBeforeTheNextIsSent()
    {
        using var channel = GrpcClients.Direct(_server.Port);
        using var call = channel.Client().Chat(cancellationToken: _guard.Token);

        for (var i = 0; i < 10; i++)
        {
            await call.RequestStream.WriteAsync(new EchoRequest { Message = $"m{i}" }, _guard.Token);
            Assert.True(await call.ResponseStream.MoveNext(_guard.Token));
            Assert.Equal($"m{i}", call.ResponseStream.Current.Message);
        }

        await call.RequestStream.CompleteAsync();
        Assert.False(await call.ResponseStream.MoveNext(_guard.Token));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Echo_EndsWithGrpcStatus_GrpcMessage_AndTheCustomTrailer()
    {
        using var channel = GrpcClients.Direct(_server.Port);
        using var call = channel.Client().EchoAsync(new EchoRequest { Message = "hi" }, cancellationToken: _guard.Token);

        await call;

        Assert.Equal(new Status(StatusCode.OK, "served by grpc-1"), call.GetStatus());
        Assert.Equal("grpc-1", call.GetTrailers().GetValue(GrpcTestServer.Trailer));
    }

    [Fact]
    public async Task Echo_TrailersAreRealHttp2Trailers()
    {
        using var client = GrpcRaw.NewClient(ServerEndpoint);

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
    public async Task Fail_FailsTheFirstCallsPerKey_TrailersOnly_ThenSucceeds()
    {
        using var channel = GrpcClients.Direct(_server.Port);
        var client = channel.Client();
        var request = new FailRequest { Key = "k", StatusCode = (int)StatusCode.ResourceExhausted, FailFirst = 2 };

        var first = await Assert.ThrowsAsync<RpcException>(async () => await client.FailAsync(request, cancellationToken: _guard.Token));
        var second = await Assert.ThrowsAsync<RpcException>(async () => await client.FailAsync(request, cancellationToken: _guard.Token));
        var third = await client.FailAsync(request, cancellationToken: _guard.Token);

        Assert.Equal(StatusCode.ResourceExhausted, first.StatusCode);
        Assert.Equal("grpc-1 fails call 1 of 2", first.Status.Detail);
        Assert.Equal("grpc-1", first.Trailers.GetValue(GrpcTestServer.Trailer));
        Assert.Equal("grpc-1 fails call 2 of 2", second.Status.Detail);
        Assert.Equal(3, third.Calls);
        Assert.Equal(3, _server.CallsFor("k"));
        Assert.Equal(0, _server.CallsFor("other"));
    }

    [Fact]
    public async Task Fail_IsTrailersOnly_GrpcStatusInTheResponseHeaders()
    {
        using var client = GrpcRaw.NewClient(ServerEndpoint);

        using var response = await GrpcRaw.CallAsync(client, GrpcMesh.Authority, "Fail", new FailRequest { Key = "raw", StatusCode = (int)StatusCode.Unavailable, FailFirst = 1 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", response.Header("grpc-status"));
        Assert.Equal("grpc-1 fails call 1 of 1", response.Header("grpc-message"));
        Assert.Equal("grpc-1", response.Header(GrpcTestServer.Trailer));
    }

    [Fact]
    public async Task Slow_CancelledByTheClient_IsSeenAsCancelledByTheServer()
    {
        using var channel = GrpcClients.Direct(_server.Port);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await channel.Client().SlowAsync(new SlowRequest { DelayMs = 10_000 }, deadline: DateTime.UtcNow.AddMilliseconds(200), cancellationToken: _guard.Token));

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await WaitFor.ConditionAsync(() => _server.Cancelled == 1, because: "the server saw the call cancelled");
    }
}
