using System.Net;
using System.Net.WebSockets;
using System.Text;
using Engine.IntegrationTests.Grpc;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Proxying;

/// <summary>
/// A WebSocket from an HTTP/1.1 client to a cluster that speaks HTTP/2 (a port named http2, gRPC,
/// or h2UpgradePolicy UPGRADE), as Envoy carries one across an HTTP/2 hop: the upgrade goes as an
/// extended CONNECT (RFC 8441) to a Kestrel server that speaks only h2c, its 200 comes back as the
/// 101 the client asked for (with the Sec-WebSocket-Accept .NET's ClientWebSocket checks), and the
/// stream carries the messages both ways.
/// </summary>
public sealed class WebSocketOverHttp2Tests : IAsyncLifetime
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(60));
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _seen = new();
    private WebApplication _server = null!;
    private int _port;
    private int _handlersEnded;
    private int _connections;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.Use(next => connection =>
            {
                Interlocked.Increment(ref _connections);
                return next(connection);
            });
        }));
        _server = builder.Build();
        _server.UseWebSockets();
        _server.Map("/ws", async (HttpContext context) =>
        {
            _seen.Enqueue($"{context.Request.Protocol} {context.Request.Method}");
            try
            {
                await WebSocketEcho.HandleAsync(context, "hello over h2");
            }
            finally
            {
                Interlocked.Increment(ref _handlersEnded);
            }
        });
        _server.Map("/ws-then-gone", async (HttpContext context) =>
        {
            // Greets, then the server goes away mid-conversation: the stream is reset.
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync("hello, and goodbye"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
            await Task.Delay(200);
            context.Abort();
        });
        await _server.StartAsync();
        _port = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
        _guard.Dispose();
    }

    private static string Http2Service(int upstreamPort) => MeshYaml.Service(
        "ws", 8000, "http2", [(upstreamPort, (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["version"] = "v1" })], protocol: "HTTP2");

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task AWebSocket_ToAnHttp2Cluster_GoesAsAnExtendedConnect_AndCarriesMessagesBothWays(string transport)
    {
        await using var sidecar = await TestSidecar.StartAsync([Http2Service(_port)], proxy: UploadBodies.On(transport));
        // ConnectAsync fails unless the answer is a 101 with the Sec-WebSocket-Accept of its key.
        using var client = await WebSocketCalls.ConnectAsync(sidecar.Endpoint, "ws:8000", "/ws", _guard.Token);

        Assert.Equal("hello over h2", await WebSocketCalls.ReceiveTextAsync(client, _guard.Token));
        var large = new string('y', 200_000); // beyond the stream's initial windows both ways
        foreach (var message in new[] { "one", "two", large })
        {
            await client.SendAsync(Encoding.ASCII.GetBytes(message), WebSocketMessageType.Text, true, _guard.Token);
            Assert.Equal(message, await WebSocketCalls.ReceiveTextAsync(client, _guard.Token));
        }

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", _guard.Token);
        Assert.Equal("bye", client.CloseStatusDescription);
        Assert.Equal(["HTTP/2 CONNECT"], _seen);

        var record = await sidecar.Telemetry.SingleAsync("/ws");
        Assert.Equal(101, record.Status);
        Assert.True(record.BytesReceived > 200_000 && record.BytesSent > 200_000, $"received {record.BytesReceived}, sent {record.BytesSent}");
    }

    [Fact]
    public async Task ManyWebSockets_AreStreamsOfSharedHttp2Connections_AndLeaveNothingBehind()
    {
        await using var sidecar = await TestSidecar.StartAsync([Http2Service(_port)]);

        await WebSocketCalls.ConverseAtOnceAsync(sidecar.Endpoint, "ws:8000", "hello over h2", sockets: 10, messages: 10, _guard.Token);

        var cluster = sidecar.Sidecar.Server.Config.Clusters.Values.Single(c => c.Host.StartsWith("ws", StringComparison.Ordinal) && c.Subset is null);
        await WaitFor.ConditionAsync(
            () => sidecar.Sidecar.Server.ActiveConnections == 0 && cluster.Breaker.ActiveRequests == 0,
            because: $"connections {sidecar.Sidecar.Server.ActiveConnections}, requests {cluster.Breaker.ActiveRequests}");
        Assert.Equal(10, _seen.Count);
        Assert.InRange(Volatile.Read(ref _connections), 1, 5); // multiplexed, not a connection per WebSocket
    }

    [Fact]
    public async Task AClientThatVanishesMidConversation_EndsTheStream_AndLeavesNothingBehind()
    {
        await using var sidecar = await TestSidecar.StartAsync([Http2Service(_port)]);
        using var client = await WebSocketCalls.ConnectAsync(sidecar.Endpoint, "ws:8000", "/ws", _guard.Token);
        Assert.Equal("hello over h2", await WebSocketCalls.ReceiveTextAsync(client, _guard.Token));

        client.Abort(); // the TCP connection goes, no close handshake

        // The server's WebSocket learns it (the stream ended), and the sidecar holds no request.
        var cluster = sidecar.Sidecar.Server.Config.Clusters.Values.Single(c => c.Host.StartsWith("ws", StringComparison.Ordinal) && c.Subset is null);
        await WaitFor.ConditionAsync(
            () => Volatile.Read(ref _handlersEnded) == 1 && sidecar.Sidecar.Server.ActiveConnections == 0 && cluster.Breaker.ActiveRequests == 0,
            because: $"handlers ended {_handlersEnded}, connections {sidecar.Sidecar.Server.ActiveConnections}, requests {cluster.Breaker.ActiveRequests}");
        var record = await sidecar.Telemetry.SingleAsync("/ws");
        Assert.Equal(101, record.Status);
    }

    [Fact]
    public async Task AServerThatGoesAwayMidConversation_EndsTheClientsConnection()
    {
        await using var sidecar = await TestSidecar.StartAsync([Http2Service(_port)]);
        using var client = await WebSocketCalls.ConnectAsync(sidecar.Endpoint, "ws:8000", "/ws-then-gone", _guard.Token);
        Assert.Equal("hello, and goodbye", await WebSocketCalls.ReceiveTextAsync(client, _guard.Token));

        await Assert.ThrowsAsync<WebSocketException>(() => WebSocketCalls.ReceiveTextAsync(client, _guard.Token));

        var cluster = sidecar.Sidecar.Server.Config.Clusters.Values.Single(c => c.Host.StartsWith("ws", StringComparison.Ordinal) && c.Subset is null);
        await WaitFor.ConditionAsync(
            () => sidecar.Sidecar.Server.ActiveConnections == 0 && cluster.Breaker.ActiveRequests == 0,
            because: $"connections {sidecar.Sidecar.Server.ActiveConnections}, requests {cluster.Breaker.ActiveRequests}");
    }

    [Fact]
    public async Task AStreamTheServerResets_EndsTheTunnelBothWays_EvenWhileTheClientStaysQuiet()
    {
        await using var sidecar = await TestSidecar.StartAsync([Http2Service(_port)]);
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await raw.SendAsync("GET /ws-then-gone HTTP/1.1\r\nHost: ws:8000\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var received = await raw.ReadToEndAsync();

        // The 101 (with RFC 6455's accept for the sample key), the greeting, then the end. The client
        // never closes its side: the reset alone must end the tunnel, not the idle timeout an hour on.
        Assert.StartsWith("HTTP/1.1 101 ", received, StringComparison.Ordinal);
        Assert.Contains("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", received, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("hello, and goodbye", received, StringComparison.Ordinal);
        await WaitFor.ConditionAsync(
            () => sidecar.Sidecar.Server.ActiveConnections == 0,
            because: $"connections {sidecar.Sidecar.Server.ActiveConnections}");
    }

    [Fact]
    public async Task TheRouteTimeout_EndsAWebSocketOverHttp2_AsItDoesOverHttp11()
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            Http2Service(_port),
            WebSocketCalls.TimeoutRoute("ws", "4s"),
        ]);

        await WebSocketCalls.AssertTheRouteTimeoutEndsItAsync(sidecar, "hello over h2", _guard.Token);
    }

    [Fact]
    public async Task AnUpgradeTheHttp2ServerRefuses_IsAnOrdinaryAnswer_AndTheConnectionGoesOn()
    {
        await using var sidecar = await TestSidecar.StartAsync([Http2Service(_port)]);
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        // No Sec-WebSocket-Version: Kestrel does not take the CONNECT as a WebSocket request, and says so.
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: ws:8000\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        var refused = await raw.ReadResponseAsync();
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: ws:8000\r\n\r\n");
        var next = await raw.ReadResponseAsync();

        Assert.Equal(426, refused.Status);
        Assert.Equal(426, next.Status);
        Assert.Equal(["HTTP/2 CONNECT", "HTTP/2 GET"], _seen);
    }

    [Fact]
    public async Task AServerThatDidNotEnableExtendedConnect_GetsNoWebSocket_AndTheClient502()
    {
        await using var plain = RawH2Server.Start(answerPings: true);
        await using var sidecar = await TestSidecar.StartAsync([Http2Service(plain.Endpoint.Port)]);
        await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);

        // A plain request first, so that the connection and the server's SETTINGS are there.
        await raw.SendAsync("GET /first HTTP/1.1\r\nHost: ws:8000\r\n\r\n");
        var first = await raw.ReadResponseAsync();
        await raw.SendAsync("GET /ws HTTP/1.1\r\nHost: ws:8000\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var upgrade = await raw.ReadResponseAsync();

        Assert.Equal(200, first.Status);
        Assert.Equal(502, upgrade.Status);
        Assert.Equal(1, plain.ConnectionsAccepted);
    }
}
