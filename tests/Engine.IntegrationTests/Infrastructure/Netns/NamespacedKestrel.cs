using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>
/// A Kestrel app that listens inside a namespace: it is handed a listening socket made there (a
/// duplicate of its descriptor, which Kestrel then owns), since Kestrel cannot enter one itself.
/// </summary>
internal static class NamespacedKestrel
{
    public static WebApplicationBuilder Builder(NetworkNamespace ns, int port, HttpProtocols protocols)
    {
        int fd;
        using (var socket = NsTcpServer.Listen(ns, port))
        {
            fd = NetnsNative.Dup((int)socket.Handle);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options => options.ListenHandle((ulong)fd, listen => listen.Protocols = protocols));
        return builder;
    }
}
