using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Engine.IntegrationTests.Grpc;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// The client side of the WebSocket tests: .NET's ClientWebSocket through the sidecar to a service
/// (its Host the authority given), a whole text message read back, and the route that puts a
/// timeout on a WebSocket service (which, as in Envoy, caps the upgraded connection's life).
/// </summary>
internal static class WebSocketCalls
{
    // One handler per authority for the whole run: an upgraded connection leaves the handler's
    // pool, but the handler must outlive the handshakes that use it.
    private static readonly ConcurrentDictionary<string, HttpMessageInvoker> Invokers = new(StringComparer.Ordinal);

    /// <summary>Opens a WebSocket; fails unless the answer is a 101 with the Sec-WebSocket-Accept of its key.</summary>
    public static async Task<ClientWebSocket> ConnectAsync(IPEndPoint sidecar, string authority, string path, CancellationToken token)
    {
        var client = new ClientWebSocket();
        try
        {
            var invoker = Invokers.GetOrAdd(authority, a => new HttpMessageInvoker(new AuthorityHandler(a)));
            await client.ConnectAsync(new Uri($"ws://{sidecar}{path}"), invoker, token);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <paramref name="sockets"/> WebSockets at once, each greeted with <paramref name="greeting"/>,
    /// then each sends <paramref name="messages"/> messages of its own and gets each one back, and closes.
    /// </summary>
    public static Task ConverseAtOnceAsync(IPEndPoint sidecar, string authority, string greeting, int sockets, int messages, CancellationToken token)
        => Task.WhenAll(Enumerable.Range(0, sockets).Select(async i =>
        {
            using var client = await ConnectAsync(sidecar, authority, "/ws", token);
            Assert.Equal(greeting, await ReceiveTextAsync(client, token));
            for (var j = 0; j < messages; j++)
            {
                var message = $"socket {i} message {j}";
                await client.SendAsync(Encoding.ASCII.GetBytes(message), WebSocketMessageType.Text, true, token);
                Assert.Equal(message, await ReceiveTextAsync(client, token));
            }

            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", token);
        }));

    /// <summary>The next message, whole, as ASCII text.</summary>
    public static async Task<string> ReceiveTextAsync(ClientWebSocket client, CancellationToken token)
    {
        var buffer = new byte[256 * 1024];
        var length = 0;
        while (true)
        {
            var received = await client.ReceiveAsync(buffer.AsMemory(length), token);
            length += received.Count;
            if (received.EndOfMessage)
            {
                return Encoding.ASCII.GetString(buffer, 0, length);
            }
        }
    }

    /// <summary>
    /// Opens a WebSocket to ws:8000/ws behind a <see cref="TimeoutRoute"/>, reads the greeting and
    /// then nothing: the next read must end when the route timeout cuts the tunnel, logged 101 UT.
    /// </summary>
    public static async Task AssertTheRouteTimeoutEndsItAsync(TestSidecar sidecar, string greeting, CancellationToken token)
    {
        using var client = await ConnectAsync(sidecar.Endpoint, "ws:8000", "/ws", token);
        Assert.Equal(greeting, await ReceiveTextAsync(client, token));

        await Assert.ThrowsAsync<WebSocketException>(() => ReceiveTextAsync(client, token));

        var record = await sidecar.Telemetry.SingleAsync("/ws");
        Assert.Equal(101, record.Status);
        Assert.True(record.Flags.HasFlag(Engine.Proxy.ResponseFlags.UpstreamRequestTimeout), record.Flags.ToString());
    }

    /// <summary>A VirtualService sending <paramref name="host"/> to itself with a route <c>timeout</c>.</summary>
    public static string TimeoutRoute(string host, string timeout) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: {{host}}}
        spec:
          hosts: [{{host}}]
          http:
          - route:
            - destination: {host: {{host}}}
            timeout: {{timeout}}
        """;
}
