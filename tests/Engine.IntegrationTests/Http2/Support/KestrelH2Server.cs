using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Http2.Support;

/// <summary>
/// A minimal Kestrel app speaking h2c only (prior knowledge) on a loopback port: a reference server
/// for the client connection. /hello answers text, /echo streams the body back, /trailers ends with
/// grpc-status trailers, /gate waits until the test opens the gate (to hold streams open) and
/// notes the connection it came on (to count the connections a client spread its streams over),
/// /flaky-upload fails its first upload with a 503 (after the whole body, or with ?early after a
/// first read) and answers the next ones with the body's FNV-1a digest and its x-digest trailer,
/// /record keeps each request's authority and body (<see cref="Recorded"/>).
/// Every connection is counted when accepted and when it ends (to see a client open and close them).
/// </summary>
internal sealed class KestrelH2Server : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _gateConnections = new();
    private TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inGate;
    private int _connectionsOpened;
    private int _connectionsOpen;
    private int _flakyUploads;

    private KestrelH2Server(WebApplication app) => _app = app;

    public IPEndPoint Endpoint { get; private set; } = null!;

    /// <summary>Requests now waiting at /gate.</summary>
    public int InGate => Volatile.Read(ref _inGate);

    /// <summary>Distinct connections /gate requests came on.</summary>
    public int GateConnections => _gateConnections.Count;

    /// <summary>Uploads /flaky-upload has begun to answer.</summary>
    public int FlakyUploads => Volatile.Read(ref _flakyUploads);

    /// <summary>What /record got: the request's authority and its body as text, in arrival order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<(string Authority, string Body)> Recorded { get; } = new();

    /// <summary>Connections accepted so far.</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    /// <summary>Connections accepted and not yet ended (the client closed them, or they failed).</summary>
    public int ConnectionsOpen => Volatile.Read(ref _connectionsOpen);

    public static async Task<KestrelH2Server> StartAsync(int maxStreamsPerConnection = 100)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        KestrelH2Server server = null!;
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.Limits.Http2.MaxStreamsPerConnection = maxStreamsPerConnection;
            options.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                listen.Use(next => async connection =>
                {
                    Interlocked.Increment(ref server._connectionsOpened);
                    Interlocked.Increment(ref server._connectionsOpen);
                    try
                    {
                        await next(connection);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref server._connectionsOpen);
                    }
                });
            });
        });
        var app = builder.Build();
        server = new KestrelH2Server(app);
        app.MapGet("/hello", () => "hello from kestrel");
        app.MapPost("/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body);
        });
        app.MapGet("/trailers", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/grpc";
            await context.Response.WriteAsync("payload");
            context.Response.AppendTrailer("grpc-status", "7");
            context.Response.AppendTrailer("grpc-message", "denied");
        });
        app.MapPost("/flaky-upload", async (HttpContext context) =>
        {
            var body = new MemoryStream();
            var call = Interlocked.Increment(ref server._flakyUploads);
            if (call == 1 && context.Request.Query.ContainsKey("early"))
            {
                await context.Request.Body.ReadExactlyAsync(new byte[1000]);
                context.Response.StatusCode = 503;
                return;
            }

            await context.Request.Body.CopyToAsync(body);
            if (call == 1)
            {
                context.Response.StatusCode = 503;
                return;
            }

            var trailer = context.Request.SupportsTrailers() ? context.Request.GetTrailer("x-digest").ToString() : string.Empty;
            await context.Response.WriteAsync($"{Engine.IntegrationTests.Infrastructure.UploadBodies.Fnv1a(body.ToArray())} {trailer}");
        });
        app.MapPost("/record", async (HttpContext context) =>
        {
            var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            server.Recorded.Enqueue((context.Request.Host.Value ?? string.Empty, System.Text.Encoding.ASCII.GetString(body.ToArray())));
            await context.Response.WriteAsync("recorded");
        });
        app.MapGet("/gate", async (HttpContext context) =>
        {
            server._gateConnections.TryAdd(context.Connection.Id, 0);
            Interlocked.Increment(ref server._inGate);
            await server._gate.Task;
            Interlocked.Decrement(ref server._inGate);
            return "passed";
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Endpoint = new IPEndPoint(IPAddress.Loopback, new Uri(address).Port);
        return server;
    }

    public void OpenGate() => _gate.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        OpenGate();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
