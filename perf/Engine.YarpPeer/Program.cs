using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Configuration;

namespace Engine.YarpPeer;

/// <summary>
/// <c>engine-yarp-peer --listen 127.0.0.1:18084 [--listen-h2c 127.0.0.1:18088] --upstream http://127.0.0.1:18080/</c>: a minimal
/// YARP host for side-by-side measurement. YARP as a user would deploy it for this job, minus
/// what a benchmark should not pay for: no logging, no HTTPS, one catch-all route to one
/// destination. Kestrel's defaults are kept otherwise (thread pool scheduling): this is "YARP", not
/// a tuned fork. Run it pinned to one core (taskset) so the thread pool and socket engine size
/// themselves to one processor. <c>--listen-h2c</c> adds a second endpoint that speaks HTTP/2 only:
/// without TLS there is no ALPN, so Kestrel takes h2c with prior knowledge only on an endpoint
/// whose protocols are exactly Http2 (the upstream side stays HTTP/1.1).
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        string? listen = null;
        string? listenH2c = null;
        string? upstream = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--listen":
                    listen = args[i + 1];
                    break;
                case "--listen-h2c":
                    listenH2c = args[i + 1];
                    break;
                case "--upstream":
                    upstream = args[i + 1];
                    break;
            }
        }

        IPEndPoint? h2cEndpoint = null;
        if (listen is null || upstream is null || !IPEndPoint.TryParse(listen, out var endpoint) || !Uri.TryCreate(upstream, UriKind.Absolute, out _)
            || (listenH2c is not null && !IPEndPoint.TryParse(listenH2c, out h2cEndpoint)))
        {
            Console.Error.WriteLine("usage: engine-yarp-peer --listen HOST:PORT [--listen-h2c HOST:PORT] --upstream http://HOST:PORT/");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endpoint, o => o.Protocols = HttpProtocols.Http1);
            if (h2cEndpoint is not null)
            {
                kestrel.Listen(h2cEndpoint, o => o.Protocols = HttpProtocols.Http2);
            }
        });

        RouteConfig[] routes =
        [
            new RouteConfig { RouteId = "all", ClusterId = "upstream", Match = new RouteMatch { Path = "{**catch-all}" } },
        ];
        ClusterConfig[] clusters =
        [
            new ClusterConfig
            {
                ClusterId = "upstream",
                Destinations = new Dictionary<string, DestinationConfig>(StringComparer.Ordinal)
                {
                    ["upstream"] = new DestinationConfig { Address = upstream },
                },
            },
        ];
        builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters);

        var app = builder.Build();
        app.MapReverseProxy();
        app.Run();
        return 0;
    }
}
