using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Engine.Transport;

/// <summary>Outgoing connections on System.Net.Sockets, wrapped by Kestrel's socket transport.</summary>
internal sealed class KestrelClientConnectionFactory : IClientConnectionFactory
{
    private readonly SocketConnectionContextFactory _factory;

    public KestrelClientConnectionFactory(SocketConnectionContextFactory factory) => _factory = factory;

    public async ValueTask<ClientConnectResult> ConnectAsync(IPEndPoint endpoint, ClientSocketOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        options.ApplyKeepAlive(socket);

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(endpoint, timeoutSource.Token).ConfigureAwait(false);
            return new ClientConnectResult(ClientConnectStatus.Connected, _factory.Create(socket));
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            return new ClientConnectResult(cancellationToken.IsCancellationRequested ? ClientConnectStatus.Canceled : ClientConnectStatus.TimedOut, null);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return new ClientConnectResult(e.SocketErrorCode == SocketError.ConnectionRefused ? ClientConnectStatus.Refused : ClientConnectStatus.Failed, null);
        }
    }

    public void Dispose() => _factory.Dispose();
}
