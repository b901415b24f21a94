using System.Net.Security;
using System.Net.Sockets;
using Engine.Upstream.Tls;

namespace Engine.Interception;

/// <summary>
/// The upstream side of an L4 connection: the socket itself, or TLS over it when the cluster
/// originates TLS (DestinationRule <c>tls</c> SIMPLE, MUTUAL or ISTIO_MUTUAL on a TCP route, as
/// Envoy's tcp_proxy does with the cluster's TLS transport socket). The PROXY protocol header,
/// when the cluster sends one, goes on the socket before the handshake; a tunnel's request goes
/// inside it (TLS is to the endpoint, the tunnel's proxy).
/// </summary>
internal sealed class L4Upstream : IDisposable
{
    private readonly SslStream? _tls;

    private L4Upstream(Socket socket, SslStream? tls)
    {
        Socket = socket;
        _tls = tls;
    }

    public Socket Socket { get; }

    public static L4Upstream Plain(Socket socket) => new(socket, null);

    /// <summary>A TLS session already established over <paramref name="socket"/> (the inbound's terminated mTLS, as the far side of its pump).</summary>
    public static L4Upstream Over(Socket socket, SslStream tls) => new(socket, tls);

    /// <summary>The TLS handshake as the cluster's settings say; a failure gives Envoy's transport failure reason.</summary>
    public static async Task<(L4Upstream? Upstream, string? Failure)> HandshakeAsync(Socket socket, UpstreamTls tls, TimeSpan timeout, CancellationToken stopping)
    {
        if (tls.LoadError is { } loadError)
        {
            return (null, TlsFailureReasons.For(new IOException(loadError), null, loadError));
        }

        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false), leaveInnerStreamOpen: false);
        var verification = new TlsVerification();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        try
        {
            await ssl.AuthenticateAsClientAsync(tls.CreateOptions(http2: false, verification, tcp: true), deadline.Token).ConfigureAwait(false);
            return (new L4Upstream(socket, ssl), null);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or SocketException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            var reason = e is OperationCanceledException ? "TLS handshake timed out" : TlsFailureReasons.For(e, verification.Failure, null);
            return (null, reason);
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancel)
    {
        if (_tls is null)
        {
            await Socket.SendAsync(data, SocketFlags.None, cancel).ConfigureAwait(false);
        }
        else
        {
            await _tls.WriteAsync(data, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Reads what is there (a zero-length buffer waits for data without taking any); 0: the upstream's end.</summary>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancel)
        => _tls is null ? Socket.ReceiveAsync(buffer, SocketFlags.None, cancel) : _tls.ReadAsync(buffer, cancel);

    /// <summary>The client's FIN, forwarded: over TLS a close_notify first, then the FIN.</summary>
    public async ValueTask ShutdownSendAsync()
    {
        if (_tls is not null)
        {
            await _tls.ShutdownAsync().ConfigureAwait(false);
        }

        Socket.Shutdown(SocketShutdown.Send);
    }

    public void Dispose()
    {
        _tls?.Dispose();
        Socket.Dispose();
    }
}
