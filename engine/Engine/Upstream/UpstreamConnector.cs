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
        IPEndPoint endpoint, TimeSpan timeout, TcpKeepaliveSettings? keepalive, CancellationToken cancellationToken)
    {
        var (outcome, socket) = await ConnectSocketAsync(endpoint, timeout, keepalive, cancellationToken).ConfigureAwait(false);
        return (outcome, socket is null ? null : _factory.Create(socket));
    }

    /// <summary>
    /// Connects a bare socket (L4 proxying needs one: the transport cannot half-close), optionally
    /// from a given local address (transparent inbound delivery binds 127.0.0.6 / ::6 first).
    /// </summary>
    public static async ValueTask<(ConnectOutcome Outcome, Socket? Socket)> ConnectSocketAsync(
        IPEndPoint endpoint, TimeSpan timeout, TcpKeepaliveSettings? keepalive, CancellationToken cancellationToken, IPAddress? source = null)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (keepalive is not null)
        {
            ApplyKeepalive(socket, keepalive);
        }

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

    /// <summary>SO_KEEPALIVE with the probe count, idle time and interval Istio's tcpKeepalive asks for (zero or unset: the OS default).</summary>
    private static void ApplyKeepalive(Socket socket, TcpKeepaliveSettings keepalive)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        if (keepalive.Time is { } time && time > TimeSpan.Zero)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, Math.Max(1, (int)time.TotalSeconds));
        }

        if (keepalive.Interval is { } interval && interval > TimeSpan.Zero)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, Math.Max(1, (int)interval.TotalSeconds));
        }

        if (keepalive.Probes > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, keepalive.Probes);
        }
    }

    public void Dispose() => _factory.Dispose();
}
