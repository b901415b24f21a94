using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Engine.Upstream;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Interception;

/// <summary>
/// Connects an intercepted connection to its upstream at L4 and runs <see cref="TcpProxy"/>
/// until both sides are done; then mirrors a reset as a reset, and writes the TCP access-log line.
/// </summary>
/// <remarks>
/// Through a configured cluster the DestinationRule applies as Envoy's tcp_proxy applies it: the
/// upstream connection takes a slot of the cluster's <c>maxConnections</c> for its whole life
/// (shared with the cluster's HTTP connections) and at the limit the client's connection is
/// closed (UO, upstream_cx_overflow) — nothing queues; the connect outcome feeds outlier
/// detection (a failure or timeout counts as a 5xx/gateway error, or as a local-origin one when
/// split; a success resets the counters); the connect is tried once (Istio sets no
/// max_connect_attempts), so a failure closes the client's connection (UF); the idle timeout
/// and maximum duration come from <see cref="TcpDecision.Proxy"/>.
/// </remarks>
internal sealed class L4Forwarder
{
    private readonly TransparentOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;

    public L4Forwarder(TransparentOptions options, TimeProvider time, ILogger logger, CancellationToken stopping)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _stopping = stopping;
    }

    /// <summary>Logs why the connection is not forwarded; the caller's return closes it.</summary>
    public void Reject(string listener, string protocol, InterceptedAddresses addresses, TcpDecision decision)
        => InterceptionLog.TcpRejected(_logger, listener, protocol, addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, decision.Route, decision.Rejection ?? "rejected", decision.Flag);

    public async Task ForwardAsync(ConnectionContext connection, Socket client, string listener, string protocol, InterceptedAddresses addresses, TcpDecision decision, IPAddress? source = null)
    {
        var started = Stopwatch.GetTimestamp();
        var target = decision.Upstream!;
        var breaker = decision.Via?.Breaker;
        if (breaker is not null && !breaker.TryOpenConnection())
        {
            breaker.CountConnectionOverflow();
            InterceptionLog.TcpRejected(_logger, listener, protocol, addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, decision.Route,
                "upstream connection limit reached (connectionPool.tcp.maxConnections)", "UO");
            return;
        }

        TcpProxyResult result;
        try
        {
            var (outcome, upstream) = await UpstreamConnector.ConnectSocketAsync(target, decision.ConnectTimeout, decision.Keepalive, _stopping, source).ConfigureAwait(false);
            RecordOutlier(decision, outcome);
            if (upstream is null)
            {
                InterceptionLog.TcpConnectFailed(_logger, listener, protocol, addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, target.ToString(), decision.Route,
                    outcome, source is null ? string.Empty : $" from {source}");
                return;
            }

            var (prepared, refused, post) = await PrepareUpstreamAsync(upstream, addresses, decision).ConfigureAwait(false);
            if (prepared is null)
            {
                upstream.Dispose();
                InterceptionLog.TcpRejected(_logger, listener, protocol, addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, decision.Route,
                    $"{refused} via {target}", "UF");
                return;
            }

            result = await ProxyAsync(connection, client, decision, prepared, post).ConfigureAwait(false);
        }
        finally
        {
            breaker?.ConnectionClosed(); // the upstream socket is closed: its slot is free
        }

        await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        InterceptionLog.TcpCompleted(_logger, listener, protocol, addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, target.ToString(), decision.Route,
            result.End, result.BytesFromClient, result.BytesToClient, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>
    /// What the cluster has the connection start with before the client's bytes: the PROXY
    /// protocol header (<c>proxyProtocol</c>), then the TLS handshake (<c>tls</c>, the endpoint's
    /// own under auto mTLS), then the tunnel's request (<c>tunnel</c>). No upstream: why the
    /// handshake failed or the tunnel was not opened (a TLS failure also counts for outlier
    /// detection, as Envoy's connect failures do); a POST tunnel's framing otherwise.
    /// </summary>
    private async Task<(L4Upstream? Upstream, string? Refused, PostTunnelFraming? Post)> PrepareUpstreamAsync(Socket socket, InterceptedAddresses addresses, TcpDecision decision)
    {
        var (refused, upstream) = await ProxyProtocolThenTlsAsync(socket, addresses, decision).ConfigureAwait(false);
        if (upstream is null)
        {
            return (null, refused, null);
        }

        if (decision.Via?.Tunnel is not { } tunnel)
        {
            return (upstream, null, null);
        }

        var (tunnelRefused, post) = await HttpTunnel.OpenAsync(upstream, tunnel, decision.ConnectTimeout, _stopping).ConfigureAwait(false);
        if (tunnelRefused is not null)
        {
            upstream.Dispose();
            return (null, $"{tunnelRefused} ({tunnel.Method} {tunnel.Authority})", null);
        }

        return (upstream, null, post);
    }

    private async Task<(string? Refused, L4Upstream? Upstream)> ProxyProtocolThenTlsAsync(Socket upstream, InterceptedAddresses addresses, TcpDecision decision)
    {
        if (decision.Via?.ProxyProtocol is { } version)
        {
            // Before any byte of the client's: the server reads it as the connection's first line.
            try
            {
                await upstream.SendAsync(ProxyProtocolHeader.For(version, addresses.Client.EndPoint, addresses.Destination.EndPoint), SocketFlags.None, _stopping).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                // The upstream reset at once: the pump (or the tunnel's request) finds the socket dead.
            }
        }

        if ((decision.Endpoint?.Pool.Settings.Tls ?? decision.Via?.Settings.Tls) is not { } tls)
        {
            return (null, L4Upstream.Plain(upstream));
        }

        var (secured, failure) = await L4Upstream.HandshakeAsync(upstream, tls, decision.ConnectTimeout, _stopping).ConfigureAwait(false);
        if (secured is null && decision.Via?.Outlier is { } outlier && decision.Endpoint is { } endpoint && !_stopping.IsCancellationRequested)
        {
            outlier.RecordLocalFailure(endpoint);
        }

        return (secured is null ? $"TLS handshake failed ({tls}): {failure}" : null, secured);
    }

    /// <summary>Runs the L4 pump, then mirrors a reset as a reset and closes the upstream socket.</summary>
    private async Task<TcpProxyResult> ProxyAsync(ConnectionContext connection, Socket client, TcpDecision decision, L4Upstream upstream, PostTunnelFraming? post)
    {
        var proxy = decision.Proxy ?? TcpProxySettings.Default;
        TcpProxyResult result;
        decision.Endpoint?.RequestStarted(); // least-request balances TCP connections like requests
        try
        {
            result = await TcpProxy.RunAsync(connection.Transport.Input, client, upstream, proxy.IdleTimeoutOr(_options.TcpIdleTimeout), _time, _stopping, proxy.MaxConnectionDuration, post)
                .ConfigureAwait(false);
        }
        finally
        {
            decision.Endpoint?.RequestFinished();
        }

        if (result.End == TcpProxyEnd.UpstreamReset)
        {
            connection.Abort(new ConnectionAbortedException("upstream reset")); // the transport answers with a reset
        }
        else if (result.End == TcpProxyEnd.ClientReset)
        {
            upstream.Socket.LingerState = new LingerOption(true, 0); // close with a reset
        }

        upstream.Dispose();
        return result;
    }

    /// <summary>
    /// Tells the cluster's outlier detector how the connect went. A connect abandoned because the
    /// proxy is stopping says nothing about the endpoint.
    /// </summary>
    private void RecordOutlier(TcpDecision decision, ConnectOutcome outcome)
    {
        if (decision.Via?.Outlier is not { } outlier || decision.Endpoint is not { } endpoint)
        {
            return;
        }

        if (outcome == ConnectOutcome.Connected)
        {
            outlier.RecordConnectSuccessFinal(endpoint);
        }
        else if (!_stopping.IsCancellationRequested)
        {
            outlier.RecordLocalFailure(endpoint);
        }
    }
}
