using System.Diagnostics;
using System.Net;
using Engine.Async;

namespace Engine.Upstream;

/// <summary>
/// Keep-alive HTTP/1.1 connections to one endpoint: a LIFO stack of idle connections (the most
/// recently used is the least likely to have been closed by the server's idle timer) and a
/// count of all open ones.
/// </summary>
/// <remarks>
/// An idle connection is checked before it is handed out (<see cref="UpstreamConnection.IsIdleHealthy"/>):
/// the transport's receive loop has already seen any FIN or reset, so a connection the upstream
/// closed while idle is never reused. The race that remains — the server closes just as we send
/// — is handled by the forwarder, which retries a request that failed on a reused connection
/// before any response byte on a new one (Pingora's "reused connection failures are retryable").
/// </remarks>
internal sealed class Http1ConnectionPool
{
    private readonly UpstreamConnector _connector;
    private readonly ShortLock _lock = new();
    private UpstreamConnection[] _idle = new UpstreamConnection[8];
    private int _idleCount;
    private int _open;
    private long _opened;
    private volatile bool _retired;
    private readonly Queue<TaskCompletionSource<UpstreamConnection?>> _waiters = new();

    public Http1ConnectionPool(IPEndPoint address, UpstreamConnector connector, UpstreamPoolSettings settings, Resilience.ClusterCircuitBreaker? breaker = null)
    {
        Address = address;
        _connector = connector;
        Settings = settings;
        Breaker = breaker;
    }

    /// <summary>The cluster's limits this pool's connections count against (tcp.maxConnections).</summary>
    public Resilience.ClusterCircuitBreaker? Breaker { get; }

    public IPEndPoint Address { get; }

    public UpstreamPoolSettings Settings { get; }

    /// <summary>Connections open to this endpoint, idle or busy.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public int IdleConnections
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _idleCount;
            }
        }
    }

    /// <summary>Total connections ever opened (tests count upstream connections with it).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _opened);

    /// <summary>Connections open to this endpoint over HTTP/1.1 and HTTP/2 together (metrics, admin).</summary>
    public int OpenConnectionsAnyProtocol => OpenConnections + (Volatile.Read(ref _http2)?.OpenConnections ?? 0);

    /// <summary>Connections ever opened to this endpoint over HTTP/1.1 and HTTP/2 together.</summary>
    public long ConnectionsOpenedAnyProtocol => ConnectionsOpened + (Volatile.Read(ref _http2)?.ConnectionsOpened ?? 0);

    /// <summary>Pops a healthy idle connection, closing any dead ones found on the way.</summary>
    public UpstreamConnection? TryTakeIdle()
    {
        while (true)
        {
            UpstreamConnection? candidate;
            using (_lock.EnterScope())
            {
                if (_idleCount == 0)
                {
                    return null;
                }

                candidate = _idle[--_idleCount];
                _idle[_idleCount] = null!;
            }

            if (candidate.IsIdleHealthy())
            {
                return candidate;
            }

            Discard(candidate);
        }
    }

    /// <summary>
    /// Opens a new connection, if the cluster's connection limit allows one
    /// (<see cref="ConnectOutcome.AtLimit"/> otherwise: the caller waits for one to free up); over
    /// TLS when the cluster originates it. The result says why there is no connection.
    /// </summary>
    /// <remarks>
    /// At the limit, an endpoint with no connection at all still gets one, as Envoy's pools do:
    /// its waiting requests would otherwise wait for a release that only this endpoint's own
    /// connections can bring, while other endpoints hold every slot (with no route timeout, for ever).
    /// </remarks>
    public async ValueTask<(UpstreamConnectResult Result, UpstreamConnection? Connection)> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Breaker is not null && !Breaker.TryOpenConnection())
        {
            Breaker.CountConnectionOverflow();
            if (Interlocked.CompareExchange(ref _open, 1, 0) != 0)
            {
                return (new UpstreamConnectResult(ConnectOutcome.AtLimit, null), null);
            }

            Breaker.ForceOpenConnection();
        }
        else
        {
            Interlocked.Increment(ref _open);
        }

        var result = await _connector.ConnectAsync(Address, Settings.ConnectTimeout, Settings.TcpKeepalive, cancellationToken, Settings.Tls).ConfigureAwait(false);
        if (result.Context is not { } context)
        {
            Interlocked.Decrement(ref _open);
            Breaker?.ConnectionClosed();
            return (result, null);
        }

        Interlocked.Increment(ref _opened);
        return (result, new UpstreamConnection(context, this));
    }

    /// <summary>
    /// Waits for a connection of this endpoint to be released (a pending request, Envoy's
    /// http1MaxPendingRequests queue): completes with a connection handed over by
    /// <see cref="Return"/>, or null when one was closed and a new one may be opened.
    /// </summary>
    public TaskCompletionSource<UpstreamConnection?> WaitForConnection()
    {
        var waiter = new TaskCompletionSource<UpstreamConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_lock.EnterScope())
        {
            _waiters.Enqueue(waiter);
        }

        return waiter;
    }

    /// <summary>Gives up waiting (timeout, client gone); a connection handed over meanwhile goes back to the pool.</summary>
    public void CancelWait(TaskCompletionSource<UpstreamConnection?> waiter)
    {
        if (!waiter.TrySetCanceled() && waiter.Task.IsCompletedSuccessfully && waiter.Task.GetAwaiter().GetResult() is { } handed)
        {
            Return(handed, countRequest: false);
        }
    }

    private bool TryHandOver(UpstreamConnection? connection)
    {
        while (true)
        {
            TaskCompletionSource<UpstreamConnection?>? waiter;
            using (_lock.EnterScope())
            {
                if (!_waiters.TryDequeue(out waiter))
                {
                    return false;
                }
            }

            if (waiter.TrySetResult(connection))
            {
                return true;
            }
        }
    }

    /// <summary>True once a configuration without this endpoint was published.</summary>
    public bool IsRetired => _retired;

    /// <summary>
    /// The endpoint left the configuration: idle connections close now, and connections still
    /// carrying requests of the old configuration close when those finish (instead of being parked
    /// in a pool nobody sweeps any more).
    /// </summary>
    public void Retire()
    {
        _retired = true;
        CloseIdle();
        if (Volatile.Read(ref _http2) is { } http2)
        {
            _ = http2.DisposeAsync().AsTask(); // a graceful GOAWAY: streams in flight finish
        }
    }

    private global::Engine.Http2.Client.Http2ClientPool? _http2;

    /// <summary>
    /// The endpoint's HTTP/2 connections, for clusters whose port speaks HTTP/2 (gRPC, http2, or
    /// h2UpgradePolicy UPGRADE): multiplexed, opened on first use, more when every one is at the
    /// server's SETTINGS_MAX_CONCURRENT_STREAMS; it lives and retires with this pool.
    /// </summary>
    public global::Engine.Http2.Client.Http2ClientPool Http2
    {
        get
        {
            if (Volatile.Read(ref _http2) is { } existing)
            {
                return existing;
            }

            var created = new global::Engine.Http2.Client.Http2ClientPool(Address, _connector, Settings, breaker: Breaker);
            return Interlocked.CompareExchange(ref _http2, created, null) ?? created;
        }
    }

    /// <summary>Parks a connection whose last exchange ended cleanly, or hands it to a waiting request.</summary>
    public void Return(UpstreamConnection connection, bool countRequest = true)
    {
        if (countRequest)
        {
            connection.RequestsServed++;
        }

        // Bytes already waiting after a complete response (a body on a 204/304/HEAD answer, more
        // than Content-Length) must never prefix the next response: such a connection is dropped.
        if (_retired || !connection.IsIdleHealthy()
            || (Settings.MaxRequestsPerConnection > 0 && connection.RequestsServed >= Settings.MaxRequestsPerConnection)
            || (Settings.MaxConnectionDuration > TimeSpan.Zero && Stopwatch.GetElapsedTime(connection.OpenedAt) >= Settings.MaxConnectionDuration))
        {
            Discard(connection);
            return;
        }

        // A waiting request gets the connection; else it goes idle. One lock round trip for both
        // checks when nobody waits (the common case): they were two on every request.
        while (true)
        {
            TaskCompletionSource<UpstreamConnection?>? waiter;
            using (_lock.EnterScope())
            {
                if (!_waiters.TryDequeue(out waiter))
                {
                    if (_idleCount >= Settings.MaxIdleConnections)
                    {
                        break;
                    }

                    if (_idleCount == _idle.Length)
                    {
                        Array.Resize(ref _idle, _idle.Length * 2);
                    }

                    connection.IdleSince = LoopTime.GetTimestamp();
                    _idle[_idleCount++] = connection;
                    return;
                }
            }

            if (waiter.TrySetResult(connection))
            {
                return;
            }
        }

        Discard(connection);
    }

    /// <summary>Closes a connection that must not be reused (error, framing unsure, server asked to close).</summary>
    public void Discard(UpstreamConnection connection)
    {
        if (!connection.IsClosed)
        {
            connection.Close();
        }

        Interlocked.Decrement(ref _open);
        Breaker?.ConnectionClosed();

        // A slot freed up: a waiting request may open a connection of its own.
        TryHandOver(null);
    }

    /// <summary>
    /// Closes idle connections that have sat longer than the idle timeout or that the upstream
    /// closed; called periodically so that dead sockets do not wait for the next request. The
    /// endpoint's HTTP/2 connections are swept too (idle timeout, maximum age).
    /// </summary>
    public void Sweep(long nowTimestamp)
    {
        Volatile.Read(ref _http2)?.Sweep(nowTimestamp);
        var idleLimit = (long)(Settings.IdleTimeout.TotalSeconds * Stopwatch.Frequency);
        List<UpstreamConnection>? dead = null;
        using (_lock.EnterScope())
        {
            var kept = 0;
            for (var i = 0; i < _idleCount; i++)
            {
                var c = _idle[i];
                var expired = Settings.IdleTimeout > TimeSpan.Zero && nowTimestamp - c.IdleSince > idleLimit;
                if (expired || !c.IsIdleHealthy())
                {
                    (dead ??= new List<UpstreamConnection>()).Add(c);
                }
                else
                {
                    _idle[kept++] = c;
                }
            }

            for (var i = kept; i < _idleCount; i++)
            {
                _idle[i] = null!;
            }

            _idleCount = kept;
        }

        if (dead is not null)
        {
            foreach (var c in dead)
            {
                Discard(c);
            }
        }
    }

    /// <summary>Closes every idle connection (config removed the endpoint, or shutdown).</summary>
    public void CloseIdle()
    {
        UpstreamConnection[] idle;
        using (_lock.EnterScope())
        {
            idle = _idle.AsSpan(0, _idleCount).ToArray();
            Array.Clear(_idle, 0, _idleCount);
            _idleCount = 0;
        }

        foreach (var c in idle)
        {
            Discard(c);
        }
    }
}
