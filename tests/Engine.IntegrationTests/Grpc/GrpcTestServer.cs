using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// A real gRPC server (ASP.NET Core gRPC on Kestrel) on a loopback port, HTTP/2 cleartext only:
/// it speaks h2c prior knowledge and nothing else, so an HTTP/1.1 hop in front of it fails loudly.
/// It counts what it saw so tests can tell retries, aborts and cancellations apart.
/// </summary>
internal sealed class GrpcTestServer : IAsyncDisposable
{
    /// <summary>The custom trailer every answer carries (value: the server's name).</summary>
    public const string Trailer = "x-test-trailer";

    private readonly ConcurrentDictionary<string, int> _callsByKey = new(StringComparer.Ordinal);
    private WebApplication _app = null!;
    private int _calls;
    private int _cancelled;

    private GrpcTestServer(string name) => Name = name;

    public string Name { get; }

    public int Port { get; private set; }

    /// <summary>Calls of any method that reached the service.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Calls whose <c>ServerCallContext.CancellationToken</c> fired while the service waited (the stream was reset).</summary>
    public int Cancelled => Volatile.Read(ref _cancelled);

    public static async Task<GrpcTestServer> StartAsync(string name)
    {
        var server = new GrpcTestServer(name);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(server);

        var app = builder.Build();
        app.MapGrpcService<TestGrpcService>();
        await app.StartAsync().ConfigureAwait(false);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server._app = app;
        server.Port = new Uri(address).Port;
        return server;
    }

    /// <summary>Calls with this <c>Fail</c> key so far.</summary>
    public int CallsFor(string key) => _callsByKey.GetValueOrDefault(key);

    internal void CountCall() => Interlocked.Increment(ref _calls);

    internal int CountCall(string key)
    {
        CountCall();
        return _callsByKey.AddOrUpdate(key, 1, static (_, n) => n + 1);
    }

    internal void CountCancelled() => Interlocked.Increment(ref _cancelled);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
