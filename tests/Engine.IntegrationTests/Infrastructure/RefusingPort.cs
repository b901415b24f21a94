using System.Net;
using System.Net.Sockets;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// A loopback port where every connect is refused, for as long as the test holds it: a socket is
/// bound there and never listens. A port merely found free (<see cref="FreePort"/>) can be taken by
/// a server of a test running alongside, and then answers (a 200 where the test expected a 503).
/// </summary>
internal sealed class RefusingPort : IDisposable
{
    private readonly Socket _holder = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort()
    {
        _holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_holder.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public void Dispose() => _holder.Dispose();
}
