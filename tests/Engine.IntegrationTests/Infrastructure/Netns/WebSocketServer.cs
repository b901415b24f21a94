using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>A WebSocket server inside a namespace (Kestrel over HTTP/1.1): at <c>/ws</c> it greets with its name, then echoes (<see cref="WebSocketEcho"/>).</summary>
internal sealed class WebSocketServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebSocketServer(WebApplication app) => _app = app;

    public static async Task<WebSocketServer> StartAsync(NetworkNamespace ns, int port, string name)
    {
        var app = NamespacedKestrel.Builder(ns, port, HttpProtocols.Http1).Build();
        app.UseWebSockets();
        app.Map("/ws", (HttpContext context) => WebSocketEcho.HandleAsync(context, name));
        await app.StartAsync();
        return new WebSocketServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
