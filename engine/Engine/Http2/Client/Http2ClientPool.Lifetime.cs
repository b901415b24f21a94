using Engine.Upstream;

namespace Engine.Http2.Client;

/// <summary>
/// The pool's part in its connections' lifetime (<see cref="Http2ClientLifetime"/>): the cluster's
/// settings become each connection's, and the periodic sweep closes connections idle past the idle
/// timeout and retires those past their maximum age that no request came to check. A connection
/// that retires or drains tells the pool through its state change, which drops it from the
/// connections taking streams, as for a GOAWAY.
/// </summary>
internal sealed partial class Http2ClientPool
{
    /// <summary>The options each new connection gets (tests read the lifetime the cluster's settings gave).</summary>
    internal Http2SessionOptions SessionOptions => _options;

    /// <summary>
    /// Called every pool sweep interval (<see cref="Http1ConnectionPool.Sweep"/>); <paramref name="nowTimestamp"/>
    /// is a timestamp of the options' TimeProvider (Stopwatch's for the system one).
    /// </summary>
    public void Sweep(long nowTimestamp)
    {
        Http2ClientConnection[] connections;
        using (_lock.EnterScope())
        {
            if (_disposed || _connections.Count == 0)
            {
                return;
            }

            // A copy: a connection that drains removes itself from the list on this thread.
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            connection.Sweep(nowTimestamp);
        }
    }

    /// <summary>The options with the DestinationRule's lifetime fields (Envoy's common_http_protocol_options and connection_keepalive).</summary>
    private static Http2SessionOptions WithLifetime(Http2SessionOptions options, UpstreamPoolSettings settings)
    {
        var lifetime = new Http2ClientLifetime
        {
            MaxStreams = settings.MaxRequestsPerConnection,
            MaxAge = settings.MaxConnectionDuration,
            IdleTimeout = settings.IdleTimeout,
            KeepAliveInterval = settings.Http2KeepAlive?.Interval ?? TimeSpan.Zero,
            KeepAliveTimeout = settings.Http2KeepAlive?.Timeout ?? TimeSpan.Zero,
        };
        return lifetime == Http2ClientLifetime.None ? options : options with { ClientLifetime = lifetime };
    }
}
