using System.Net;
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
