using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>
/// An HTTP/2 cleartext (prior knowledge) server inside a namespace (<see cref="NamespacedKestrel"/>).
/// Answers <c>h2c peer HTTP/2</c>.
/// </summary>
internal sealed class H2cServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private H2cServer(WebApplication app) => _app = app;

    public static async Task<H2cServer> StartAsync(NetworkNamespace ns, int port)
    {
        var app = NamespacedKestrel.Builder(ns, port, HttpProtocols.Http2).Build();
        app.MapGet("/", (HttpContext context) => $"h2c peer {context.Request.Protocol}");
        await app.StartAsync();
        return new H2cServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
