using System.Diagnostics;
using System.Net;

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
    private readonly Lock _lock = new();
    private UpstreamConnection[] _idle = new UpstreamConnection[8];
    private int _idleCount;
    private int _open;
    private long _opened;
    private volatile bool _retired;

    public Http1ConnectionPool(IPEndPoint address, UpstreamConnector connector, UpstreamPoolSettings settings)
    {
        Address = address;
        _connector = connector;
        Settings = settings;
    }

    public IPEndPoint Address { get; }

    public UpstreamPoolSettings Settings { get; }

    /// <summary>Connections open to this endpoint, idle or busy.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public int IdleConnections
    {
        get
        {
            lock (_lock)
            {
                return _idleCount;
            }
        }
    }

    /// <summary>Total connections ever opened (tests count upstream connections with it).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _opened);

    /// <summary>Pops a healthy idle connection, closing any dead ones found on the way.</summary>
    public UpstreamConnection? TryTakeIdle()
    {
        while (true)
        {
            UpstreamConnection? candidate;
            lock (_lock)
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

    public async ValueTask<(ConnectOutcome Outcome, UpstreamConnection? Connection)> ConnectAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _open);
        var (outcome, context) = await _connector.ConnectAsync(Address, Settings.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        if (context is null)
        {
            Interlocked.Decrement(ref _open);
            return (outcome, null);
        }

        Interlocked.Increment(ref _opened);
        return (outcome, new UpstreamConnection(context, this));
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
    }

    /// <summary>Parks a connection whose last exchange ended cleanly.</summary>
    public void Return(UpstreamConnection connection)
    {
        connection.RequestsServed++;
        if (_retired || connection.IsClosed || (Settings.MaxRequestsPerConnection > 0 && connection.RequestsServed >= Settings.MaxRequestsPerConnection))
        {
            Discard(connection);
            return;
        }

        connection.IdleSince = Stopwatch.GetTimestamp();
        lock (_lock)
        {
            if (_idleCount < Settings.MaxIdleConnections)
            {
                if (_idleCount == _idle.Length)
                {
                    Array.Resize(ref _idle, _idle.Length * 2);
                }

                _idle[_idleCount++] = connection;
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
    }

    /// <summary>
    /// Closes idle connections that have sat longer than the idle timeout or that the upstream
    /// closed; called periodically so that dead sockets do not wait for the next request.
    /// </summary>
    public void Sweep(long nowTimestamp)
    {
        var idleLimit = (long)(Settings.IdleTimeout.TotalSeconds * Stopwatch.Frequency);
        List<UpstreamConnection>? dead = null;
        lock (_lock)
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
        lock (_lock)
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
