using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Engine.Transport;
using Engine.Transport.Tls;
using Engine.Upstream.Tls;
using Microsoft.AspNetCore.Connections;

namespace Engine.Upstream;

/// <summary>Opens TCP connections to endpoints on the configured transport, as pipes; TLS ones through <see cref="TlsClientConnection"/>.</summary>
internal sealed class UpstreamConnector : IDisposable
{
    private readonly IClientConnectionFactory _factory;

    public UpstreamConnector(IClientConnectionFactory factory) => _factory = factory;

    /// <summary>
    /// Connects to <paramref name="endpoint"/>; with <paramref name="tls"/>, also runs the TLS
    /// handshake (within the same connect timeout, as Envoy's connect timer runs until the TLS
    /// transport socket reports connected) and hands back a connection whose pipes carry
    /// plaintext over TLS. <paramref name="http2"/>: the connection will speak HTTP/2 (ALPN h2).
    /// </summary>
    public async ValueTask<UpstreamConnectResult> ConnectAsync(
        IPEndPoint endpoint, TimeSpan timeout, TcpKeepaliveSettings? keepalive, CancellationToken cancellationToken, UpstreamTls? tls = null, bool http2 = false)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await _factory.ConnectAsync(endpoint, SocketOptions(keepalive), timeout, cancellationToken).ConfigureAwait(false);
        var outcome = result.Status switch
        {
            ClientConnectStatus.Connected => ConnectOutcome.Connected,
            ClientConnectStatus.Refused => ConnectOutcome.Refused,
            ClientConnectStatus.TimedOut => ConnectOutcome.TimedOut,
            _ => ConnectOutcome.Failed, // canceled (the request went away) or another failure
        };
        if (tls is null || result.Connection is not { } plain)
        {
            return new UpstreamConnectResult(outcome, result.Connection);
        }

        var remaining = timeout - Stopwatch.GetElapsedTime(started);
        return await HandshakeAsync(plain, tls, http2, remaining > TimeSpan.Zero ? remaining : TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
    }

    private static async ValueTask<UpstreamConnectResult> HandshakeAsync(ConnectionContext plain, UpstreamTls tls, bool http2, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (tls.LoadError is { } loadError)
        {
            plain.Abort();
            await plain.DisposeAsync().ConfigureAwait(false);
            return new UpstreamConnectResult(ConnectOutcome.TransportFailed, null, TlsFailureReasons.For(new IOException(loadError), null, loadError), loadError);
        }

        var verification = new TlsVerification();
        var (connection, failure, timedOut) = await TlsClientConnection.HandshakeAsync(plain, tls.CreateOptions(http2, verification), timeout, cancellationToken).ConfigureAwait(false);
        if (connection is not null)
        {
            return new UpstreamConnectResult(ConnectOutcome.Connected, connection);
        }

        if (timedOut)
        {
            return new UpstreamConnectResult(ConnectOutcome.TimedOut, null);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return new UpstreamConnectResult(ConnectOutcome.Failed, null);
        }

        return new UpstreamConnectResult(ConnectOutcome.TransportFailed, null, TlsFailureReasons.For(failure!, verification.Failure, null), verification.Failure ?? failure!.Message);
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
