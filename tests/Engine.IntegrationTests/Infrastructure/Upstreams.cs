using System.Net;
using Engine.Echo;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>Real <c>engine echo</c> servers on loopback ports, started in-process and named.</summary>
internal sealed class Upstreams : IAsyncDisposable
{
    private readonly Dictionary<string, (EchoServer Server, int Port)> _servers = new(StringComparer.Ordinal);

    public static async Task<Upstreams> StartAsync(params string[] names)
    {
        var upstreams = new Upstreams();
        foreach (var name in names)
        {
            await upstreams.AddAsync(name).ConfigureAwait(false);
        }

        return upstreams;
    }

    public async Task<int> AddAsync(string name)
    {
        var server = new EchoServer(name, NullLoggerFactory.Instance);
        var endpoint = (IPEndPoint)await server.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0)).ConfigureAwait(false);
        _servers[name] = (server, endpoint.Port);
        return endpoint.Port;
    }

    public int PortOf(string name) => _servers[name].Port;

    public EchoServer this[string name] => _servers[name].Server;

    public async Task StopAsync(string name)
    {
        if (_servers.Remove(name, out var entry))
        {
            await entry.Server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (server, _) in _servers.Values)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _servers.Clear();
    }
}
