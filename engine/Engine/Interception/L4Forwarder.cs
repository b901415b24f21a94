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
        var (outcome, upstream) = await UpstreamConnector.ConnectSocketAsync(target, decision.ConnectTimeout, decision.Keepalive, _stopping, source).ConfigureAwait(false);
        if (upstream is null)
        {
            InterceptionLog.TcpConnectFailed(_logger, listener, protocol, addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, target.ToString(), decision.Route,
                outcome, source is null ? string.Empty : $" from {source}");
            return;
        }

        TcpProxyResult result;
        decision.Endpoint?.RequestStarted(); // least-request balances TCP connections like requests
        try
        {
            result = await TcpProxy.RunAsync(connection.Transport.Input, client, upstream, _options.TcpIdleTimeout, _time, _stopping).ConfigureAwait(false);
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
            upstream.LingerState = new LingerOption(true, 0); // close with a reset
        }

        upstream.Dispose();
        await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        InterceptionLog.TcpCompleted(_logger, listener, protocol, addresses.Client.ToString(), addresses.Destination.ToString(), decision.Cluster, target.ToString(), decision.Route,
            result.End, result.BytesFromClient, result.BytesToClient, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }
}
