using System.Net;
using System.Net.WebSockets;
using System.Text;
using Engine.IntegrationTests.Grpc;
using Engine.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Proxying;

/// <summary>
/// WebSocket through the sidecar, as Istio's listeners allow it on every HTTP route: a Kestrel
/// WebSocket server (it greets first, then echoes) and .NET's ClientWebSocket, on both transports.
/// </summary>
public sealed class WebSocketUpgradeTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(60));
    private WebApplication _server = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _server = builder.Build();
        _server.UseWebSockets();
        _server.Map("/ws", (HttpContext context) => WebSocketEcho.HandleAsync(context, "hello from the server"));
        await _server.StartAsync();
        _port = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        _guard.Dispose();
    }

    private Task<TestSidecar> StartSidecarAsync(string transport) => TestSidecar.StartAsync(
        [MeshYaml.Service("ws", 8000, (_port, "v1"))], proxy: UploadBodies.On(transport));

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task AWebSocket_IsUpgradedThroughTheSidecar_AndCarriesMessagesBothWays(string transport)
    {
        await using var sidecar = await StartSidecarAsync(transport);
        using var client = await WebSocketCalls.ConnectAsync(sidecar.Endpoint, "ws:8000", "/ws", _guard.Token);

        Assert.Equal("hello from the server", await WebSocketCalls.ReceiveTextAsync(client, _guard.Token));
        var large = new string('x', 100_000); // several reads and segments each way
        foreach (var message in new[] { "one", "two", large })
        {
            await client.SendAsync(Encoding.ASCII.GetBytes(message), WebSocketMessageType.Text, true, _guard.Token);
            Assert.Equal(message, await WebSocketCalls.ReceiveTextAsync(client, _guard.Token));
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", _guard.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal("bye", client.CloseStatusDescription);

        var record = await sidecar.Telemetry.SingleAsync("/ws");
        Assert.Equal(101, record.Status);
        Assert.True(record.BytesReceived > 100_000 && record.BytesSent > 100_000, $"received {record.BytesReceived}, sent {record.BytesSent}");
    }

    [Fact]
    public async Task TheRouteTimeout_EndsAnUpgradedConnection_AsEnvoysDoes()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("ws", 8000, (_port, "v1")),
            WebSocketCalls.TimeoutRoute("ws", "4s"),
        ]);

        // 4 s: the handshake itself must fit in it, and on a loaded machine 1 s was not enough.
        await WebSocketCalls.AssertTheRouteTimeoutEndsItAsync(sidecar, "hello from the server", _guard.Token);
    }

    [Fact]
    public async Task TheIdleTimeout_EndsAQuietUpgradedConnection()
    {
        await using var sidecar = await TestSidecar.StartAsync(
            [MeshYaml.Service("ws", 8000, (_port, "v1"))], proxy: new Engine.Proxy.ProxyOptions { IdleTimeout = TimeSpan.FromSeconds(3) }); // the greeting must come within it
        using var client = await WebSocketCalls.ConnectAsync(sidecar.Endpoint, "ws:8000", "/ws", _guard.Token);
        Assert.Equal("hello from the server", await WebSocketCalls.ReceiveTextAsync(client, _guard.Token));

        await Assert.ThrowsAsync<WebSocketException>(() => WebSocketCalls.ReceiveTextAsync(client, _guard.Token));
    }

    [Fact]
    public async Task ManyWebSockets_AtOnce_EachKeepsItsOwnConversation()
    {
        await using var sidecar = await StartSidecarAsync("Epoll");

        await WebSocketCalls.ConverseAtOnceAsync(sidecar.Endpoint, "ws:8000", "hello from the server", sockets: 20, messages: 10, _guard.Token);

        // Every tunnel ended whole: no client connection, request slot or upstream connection is left.
        var cluster = sidecar.Sidecar.Server.Config.Clusters.Values.Single(c => c.Host.StartsWith("ws", StringComparison.Ordinal) && c.Subset is null);
        await WaitFor.ConditionAsync(
            () => sidecar.Sidecar.Server.ActiveConnections == 0 && cluster.Breaker.ActiveRequests == 0 && cluster.Breaker.Connections == 0,
            because: $"connections {sidecar.Sidecar.Server.ActiveConnections}, requests {cluster.Breaker.ActiveRequests}, upstream connections {cluster.Breaker.Connections}");
    }

    [Fact]
    public async Task AnUpgradeTheServerRefuses_IsAnOrdinaryAnswer_AndTheConnectionGoesOn()
    {
        await using var sidecar = await StartSidecarAsync("Epoll");
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        // No Sec-WebSocket-Key: Kestrel does not take it as a WebSocket request, and says so.
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: ws:8000\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        var refused = await raw.ReadResponseAsync();
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: ws:8000\r\n\r\n");
        var next = await raw.ReadResponseAsync();

        Assert.Equal(426, refused.Status);
        Assert.Equal(426, next.Status);
    }

    [Fact]
    public async Task AnUpgradeToAnotherProtocol_Gets403_AsEnvoyGivesAnUnconfiguredUpgrade()
    {
        await using var sidecar = await StartSidecarAsync("Epoll");
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: ws:8000\r\nConnection: Upgrade\r\nUpgrade: spdy/3\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(403, response.Status);
    }

    [Fact]
    public async Task A101ToARequestThatAskedNoUpgrade_IsAProtocolError()
    {
        await using var switching = new ScriptedUpstream(x => x.SendAsync("HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n"));
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("ws", 8000, (switching.Port, "v1"))]);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "ws:8000", "/plain");

        Assert.Equal(HttpStatusCode.BadGateway, reply.Status);
    }
}
