using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Engine.Upstream;

/// <summary>Opens TCP connections to endpoints and wraps them in the socket transport's pipes.</summary>
internal sealed class UpstreamConnector : IDisposable
{
    private readonly SocketConnectionContextFactory _factory;

    public UpstreamConnector(SocketConnectionContextFactory factory) => _factory = factory;

    public async ValueTask<(ConnectOutcome Outcome, Microsoft.AspNetCore.Connections.ConnectionContext? Context)> ConnectAsync(
        IPEndPoint endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (outcome, socket) = await ConnectSocketAsync(endpoint, timeout, cancellationToken).ConfigureAwait(false);
        return (outcome, socket is null ? null : _factory.Create(socket));
    }

    /// <summary>
    /// Connects a bare socket (L4 proxying needs one: the transport cannot half-close), optionally
    /// from a given local address (transparent inbound delivery binds 127.0.0.6 / ::6 first).
    /// </summary>
    public static async ValueTask<(ConnectOutcome Outcome, Socket? Socket)> ConnectSocketAsync(
        IPEndPoint endpoint, TimeSpan timeout, CancellationToken cancellationToken, IPAddress? source = null)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(endpoint, timeoutSource.Token).ConfigureAwait(false);
            return (ConnectOutcome.Connected, socket);
        }
        catch (OperationCanceledException)
        {
            socket.Dispose();
            return (cancellationToken.IsCancellationRequested ? ConnectOutcome.Failed : ConnectOutcome.TimedOut, null);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return (e.SocketErrorCode == SocketError.ConnectionRefused ? ConnectOutcome.Refused : ConnectOutcome.Failed, null);
        }
    }

    public void Dispose() => _factory.Dispose();
}
