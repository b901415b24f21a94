using System.IO.Pipelines;
using System.Net;
using Engine.Transport;
using Engine.Upstream;
using Microsoft.AspNetCore.Connections;

namespace Engine.Benchmarks.Upstream;

/// <summary>
/// Endpoints, pools and idle connections without sockets: a connection is a
/// <see cref="DefaultConnectionContext"/> over two in-memory pipes, which is all
/// <see cref="UpstreamConnection"/> and <see cref="Http1ConnectionPool"/> touch on lease and return.
/// </summary>
internal static class FakeUpstreams
{
    private static readonly UpstreamConnector Connector = new(SocketTransports.CreateUpstreamFactory(new TransportSettings()));

    public static Http1ConnectionPool Pool(int port) => new(new IPEndPoint(IPAddress.Loopback, port), Connector, UpstreamPoolSettings.Default);

    /// <summary><paramref name="count"/> endpoints; with <paramref name="weighted"/>, weights 1, 2, 3, 1, 2, 3… (Envoy's weighted schedules).</summary>
    public static Endpoint[] Endpoints(int count, bool weighted = false)
    {
        var endpoints = new Endpoint[count];
        for (var i = 0; i < count; i++)
        {
            endpoints[i] = new Endpoint(new IPEndPoint(IPAddress.Loopback, 20000 + i), new Dictionary<string, string>(), weighted ? 1 + (i % 3) : 1, Pool(20000 + i));
        }

        return endpoints;
    }

    public static UpstreamConnection IdleConnection(Http1ConnectionPool pool, int id)
    {
        var toServer = new Pipe();
        var fromServer = new Pipe();
        var transport = new DuplexPipe(fromServer.Reader, toServer.Writer);
        var application = new DuplexPipe(toServer.Reader, fromServer.Writer);
        return new UpstreamConnection(new DefaultConnectionContext($"fake-{id}", transport, application), pool);
    }

    private sealed class DuplexPipe : IDuplexPipe
    {
        public DuplexPipe(PipeReader input, PipeWriter output)
        {
            Input = input;
            Output = output;
        }

        public PipeReader Input { get; }

        public PipeWriter Output { get; }
    }
}
