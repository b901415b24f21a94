using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>
/// An HTTP/2 cleartext (prior knowledge) server inside a namespace: Kestrel, handed a listening
/// socket created in the namespace (a duplicate of its descriptor, which Kestrel then owns).
/// Answers <c>h2c peer HTTP/2</c>.
/// </summary>
internal sealed class H2cServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private H2cServer(WebApplication app) => _app = app;

    public static async Task<H2cServer> StartAsync(NetworkNamespace ns, int port)
    {
        int fd;
        using (var socket = NsTcpServer.Listen(ns, port))
        {
            fd = NetnsNative.Dup((int)socket.Handle);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.ListenHandle((ulong)fd, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
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
