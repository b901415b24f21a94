using System.Net;
using System.Net.Sockets;
using Engine.Transport;

namespace Engine.Upstream;

/// <summary>Opens TCP connections to endpoints on the configured transport, as pipes.</summary>
internal sealed class UpstreamConnector : IDisposable
{
    private readonly IClientConnectionFactory _factory;

    public UpstreamConnector(IClientConnectionFactory factory) => _factory = factory;

    public async ValueTask<(ConnectOutcome Outcome, Microsoft.AspNetCore.Connections.ConnectionContext? Context)> ConnectAsync(
        IPEndPoint endpoint, TimeSpan timeout, TcpKeepaliveSettings? keepalive, CancellationToken cancellationToken)
    {
        var result = await _factory.ConnectAsync(endpoint, SocketOptions(keepalive), timeout, cancellationToken).ConfigureAwait(false);
        var outcome = result.Status switch
        {
            ClientConnectStatus.Connected => ConnectOutcome.Connected,
            ClientConnectStatus.Refused => ConnectOutcome.Refused,
            ClientConnectStatus.TimedOut => ConnectOutcome.TimedOut,
            _ => ConnectOutcome.Failed, // canceled (the request went away) or another failure
        };
        return (outcome, result.Connection);
    }

    /// <summary>
    /// Connects a bare socket (L4 proxying needs one: the transport cannot half-close), optionally
    /// from a given local address (transparent inbound delivery binds 127.0.0.6 / ::6 first).
    /// Always System.Net.Sockets, whichever transport carries the pipes.
    /// </summary>
    public static async ValueTask<(ConnectOutcome Outcome, Socket? Socket)> ConnectSocketAsync(
        IPEndPoint endpoint, TimeSpan timeout, TcpKeepaliveSettings? keepalive, CancellationToken cancellationToken, IPAddress? source = null)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (keepalive is not null)
        {
            SocketOptions(keepalive).ApplyKeepAlive(socket);
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
    private static ClientSocketOptions SocketOptions(TcpKeepaliveSettings? keepalive) => keepalive is null
        ? default
        : new ClientSocketOptions(
            KeepAlive: true,
            KeepAliveTimeSeconds: keepalive.Time is { } time && time > TimeSpan.Zero ? Math.Max(1, (int)time.TotalSeconds) : 0,
            KeepAliveIntervalSeconds: keepalive.Interval is { } interval && interval > TimeSpan.Zero ? Math.Max(1, (int)interval.TotalSeconds) : 0,
            KeepAliveProbes: Math.Max(0, keepalive.Probes));

    public void Dispose() => _factory.Dispose();
}
