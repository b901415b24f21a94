using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>
/// A WebSocket server inside a namespace (Kestrel over HTTP/1.1, on a listening socket made there,
/// as <see cref="H2cServer"/>): at <c>/ws</c> it greets with its name, then echoes every message
/// back until the client closes.
/// </summary>
internal sealed class WebSocketServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSocketServer(WebApplication app) => _app = app;

    public static async Task<WebSocketServer> StartAsync(NetworkNamespace ns, int port, string name)
    {
        int fd;
        using (var socket = NsTcpServer.Listen(ns, port))
        {
            fd = NetnsNative.Dup((int)socket.Handle);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.ListenHandle((ulong)fd, listen => listen.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.UseWebSockets();
        app.Map("/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 426;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(name), WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[16 * 1024];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
            }
        });
        await app.StartAsync();
        return new WebSocketServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
