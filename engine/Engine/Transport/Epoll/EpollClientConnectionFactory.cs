using System.Net;

namespace Engine.Transport.Epoll;

/// <summary>Outgoing connections on the epoll loops (the caller's own loop when it runs on one).</summary>
internal sealed class EpollClientConnectionFactory : IClientConnectionFactory
{
    private readonly EpollTransport _transport;

    public EpollClientConnectionFactory(EpollTransport transport) => _transport = transport;

    public ValueTask<ClientConnectResult> ConnectAsync(IPEndPoint endpoint, ClientSocketOptions options, TimeSpan timeout, CancellationToken cancellationToken)
        => EpollConnection.ConnectAsync(_transport, endpoint, options, timeout, cancellationToken);

    public void Dispose()
    {
        // The loops are the process's; the pool's blocks go back to the GC with the factory.
    }
}
