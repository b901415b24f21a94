using System.Net;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Proxy;
using Engine.Upstream;
using Engine.Upstream.Resilience;
using Microsoft.AspNetCore.Connections;

namespace Engine.Http2.Client;

/// <summary>
/// HTTP/2 connections to one endpoint, multiplexed: a stream goes on the first connection with a
/// free slot (below the server's SETTINGS_MAX_CONCURRENT_STREAMS and our own cap, DestinationRule
/// <c>http.maxConcurrentStreams</c>); when all are full another connection is opened, up to
/// <c>maxConnections</c> if set. A connection being opened is shared by as many waiting requests as
/// it is expected to carry — all of them without a cap, <c>cap</c> with one — and more wait for a
/// connect of their own, opened at the same time (Envoy's "connecting stream capacity"): with a cap
/// of 1, twenty requests arriving together open twenty connections at once, not one after another.
/// A connection that got GOAWAY or closed leaves the pool at once and finishes its streams on its
/// own; the next stream goes to a new one.
/// </summary>
/// <remarks>
/// The cluster's circuit breaker counts what Envoy's HTTP/2 pool counts: every connection, open or
/// opening, against <c>tcp.maxConnections</c> (an endpoint with none at all still gets one, as in
/// <see cref="Http1ConnectionPool.ConnectAsync"/>), and every request that has to wait for a stream
/// (for a connect, SETTINGS, or a slot) against <c>http1MaxPendingRequests</c>; past it, 503 UO.
/// </remarks>
internal sealed partial class Http2ClientPool : IAsyncDisposable
{
    /// <summary>Connects a request may count on before giving up (bounded; normally one).</summary>
    private const int MaxConnects = 16;

    private readonly Func<CancellationToken, ValueTask<UpstreamConnectResult>> _connect;
    private readonly Http2SessionOptions _options;
    private readonly int _maxConnections;
    private readonly ClusterCircuitBreaker? _breaker;
    private readonly ShortLock _lock = new();
    private readonly List<Http2ClientConnection> _connections = [];
    private readonly List<Task> _running = [];
    private readonly List<PendingConnect> _connecting = [];
    private TaskCompletionSource? _slotFreed;
    private bool _disposed;
    private long _opened;
    private int _open;

    public Http2ClientPool(IPEndPoint address, UpstreamConnector connector, UpstreamPoolSettings settings, Http2SessionOptions? options = null, int maxConnections = 0, ClusterCircuitBreaker? breaker = null)
        : this(ct => connector.ConnectAsync(address, settings.ConnectTimeout, settings.TcpKeepalive, ct, settings.Tls, http2: true), WithLifetime(WithStreamCap(options ?? Http2SessionOptions.Default, settings.MaxConcurrentStreams), settings), maxConnections, breaker)
    {
    }

    /// <param name="connect">Opens a transport connection to the endpoint (a value for failures, never an exception).</param>
    /// <param name="maxConnections">Most connections to this endpoint at once (0: no limit of its own).</param>
    /// <param name="breaker">The cluster's limits the pool's connections and waiting requests count against.</param>
    public Http2ClientPool(
        Func<CancellationToken, ValueTask<UpstreamConnectResult>> connect,
        Http2SessionOptions? options = null,
        int maxConnections = 0,
        ClusterCircuitBreaker? breaker = null)
    {
        _connect = connect;
        _options = options ?? Http2SessionOptions.Default;
        _maxConnections = maxConnections;
        _breaker = breaker;
    }

    /// <summary>Connections taking new streams now.</summary>
    public int Connections
    {
        get
        {
            using (_lock.EnterScope())
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Connections ever opened (tests count them).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _opened);

    /// <summary>Connections open now, draining ones included (metrics: upstream_cx_active).</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>
    /// A new stream on a connection with a free slot, connecting when none has one. The outcome says
    /// why there is no stream: the connect failed, timed out (or <paramref name="cancellationToken"/>
    /// fired: <see cref="ConnectOutcome.TimedOut"/>), the request would have had to wait past the
    /// cluster's pending limit (<see cref="ConnectOutcome.Overflow"/>), or the connects it counted on
    /// were taken by others too often (<see cref="ConnectOutcome.AtLimit"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public async ValueTask<Http2OpenResult> OpenStreamAsync(CancellationToken cancellationToken = default)
    {
        var pending = false;
        try
        {
            // Waits for a slot are not counted: each one ends on an event (a stream ended, SETTINGS,
            // GOAWAY, a connection closed), so only connects can repeat without bound.
            for (var connects = 0; connects < MaxConnects;)
            {
                Task wait;
                using (_lock.EnterScope())
                {
                    if (_disposed)
                    {
                        return new Http2OpenResult(null, ConnectOutcome.Failed);
                    }

                    var awaitingSettings = false;
                    foreach (var connection in _connections)
                    {
                        if (connection.TryOpenStream(out var stream, out var settingsPending))
                        {
                            return new Http2OpenResult(stream, ConnectOutcome.Connected);
                        }

                        awaitingSettings |= settingsPending;
                    }

                    if (!pending)
                    {
                        if (_breaker is not null && !_breaker.TryEnterPending())
                        {
                            return new Http2OpenResult(null, ConnectOutcome.Overflow);
                        }

                        pending = true;
                    }

                    // A connection whose SETTINGS are on their way will likely have room: wait for them
                    // rather than open a connection per waiting request. Else count on a connect under
                    // way that has room to spare, else open one.
                    Task<UpstreamConnectResult>? counted = null;
                    if (!awaitingSettings)
                    {
                        counted = ClaimConnectingLocked();
                        if (counted is null && TryReserveConnectionLocked())
                        {
                            counted = StartConnectLocked();
                        }
                    }

                    if (counted is not null)
                    {
                        wait = counted;
                    }
                    else
                    {
                        _slotFreed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        wait = _slotFreed.Task;
                    }
                }

                try
                {
                    await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return new Http2OpenResult(null, ConnectOutcome.TimedOut);
                }

                if (wait is Task<UpstreamConnectResult> connecting)
                {
                    connects++;
                    var connected = await connecting.ConfigureAwait(false);
                    if (connected.Outcome != ConnectOutcome.Connected)
                    {
                        return new Http2OpenResult(null, connected.Outcome, connected.TransportFailure, connected.FailureDetail);
                    }
                }
            }

            return new Http2OpenResult(null, ConnectOutcome.AtLimit);
        }
        finally
        {
            if (pending)
            {
                _breaker?.LeavePending();
            }
        }
    }

    /// <summary>
    /// Drains every connection (GOAWAY; streams in flight finish, for at most
    /// <see cref="Http2SessionOptions.DrainTimeout"/>, then they are aborted) and waits for them to close.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Http2ClientConnection[] connections;
        Task[] running;
        Task[] connecting;
        using (_lock.EnterScope())
        {
            _disposed = true;
            connections = [.. _connections];
            running = [.. _running];
            connecting = [.. _connecting.Select(static c => c.Task)];
            _connections.Clear();
        }

        using var timeout = new CancellationTokenSource(_options.DrainTimeout, _options.Time);
        foreach (var connection in connections)
        {
            _ = connection.DrainAsync(timeout.Token);
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        await Task.WhenAll(connecting).ConfigureAwait(false);
    }

    /// <summary>The options with our stream cap, also advertised in our SETTINGS (as Envoy sends max_concurrent_streams upstream).</summary>
    private static Http2SessionOptions WithStreamCap(Http2SessionOptions options, int cap) => cap <= 0
        ? options
        : options with { ClientMaxConcurrentStreams = cap, Limits = options.Limits with { MaxConcurrentStreams = cap } };

    /// <summary>A connect under way with room for one more waiting request, which it now counts on.</summary>
    private Task<UpstreamConnectResult>? ClaimConnectingLocked()
    {
        foreach (var pending in _connecting)
        {
            if (pending.Unclaimed > 0)
            {
                pending.Unclaimed--;
                return pending.Task;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether one more connection may open: below this pool's own limit, and within the cluster's
    /// maxConnections — or past it when this endpoint has no connection at all, open, opening or
    /// draining, as Envoy's pools allow (else requests waiting here would wait on slots other
    /// endpoints hold; a draining connection frees its own slot when it closes). The slot is the
    /// connect's until the connection ends or the connect fails.
    /// </summary>
    private bool TryReserveConnectionLocked()
    {
        if (_maxConnections > 0 && _connections.Count + _connecting.Count >= _maxConnections)
        {
            return false;
        }

        if (_breaker is null || _breaker.TryOpenConnection())
        {
            return true;
        }

        _breaker.CountConnectionOverflow();
        if (Volatile.Read(ref _open) > 0 || _connecting.Count > 0)
        {
            return false;
        }

        _breaker.ForceOpenConnection();
        return true;
    }

    /// <summary>Starts a connect the caller counts on; it will carry up to the cap (unbounded without one) waiting requests.</summary>
    private Task<UpstreamConnectResult> StartConnectLocked()
    {
        var cap = _options.ClientMaxConcurrentStreams;
        var pending = new PendingConnect { Unclaimed = cap > 0 ? cap - 1 : long.MaxValue };
        _connecting.Add(pending);
        pending.Task = ConnectAsync(pending);
        return pending.Task;
    }

    /// <summary>Opens one connection; what waiters learn is the outcome (the context itself is the pool's).</summary>
    private async Task<UpstreamConnectResult> ConnectAsync(PendingConnect pending)
    {
        // Off the caller's lock: the connect itself suspends at once.
        await Task.Yield();
        UpstreamConnectResult result;
        try
        {
            result = await _connect(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            result = new UpstreamConnectResult(ConnectOutcome.Failed, null);
        }

        if (result.Context is not { } context)
        {
            using (_lock.EnterScope())
            {
                _connecting.Remove(pending);
            }

            _breaker?.ConnectionClosed();

            // Requests waiting at maxConnections behind this connect may open one of their own now.
            SignalSlotFreed();
            return result;
        }

        using (_lock.EnterScope())
        {
            _connecting.Remove(pending);
            var connection = new Http2ClientConnection(context, _options, OnConnectionStateChanged);
            Interlocked.Increment(ref _opened);
            Interlocked.Increment(ref _open);
            _running.Add(StartConnection(connection, context));
            if (_disposed)
            {
                connection.Abort(Protocols.Http2.Http2Error.None);
                return new UpstreamConnectResult(ConnectOutcome.Failed, null);
            }

            _connections.Add(connection);
            return new UpstreamConnectResult(ConnectOutcome.Connected, null);
        }
    }

    /// <summary>
    /// Runs the connection with no execution context, as the proxy's own connections run: its loops
    /// then capture none, and the requests they resume (and everything those await) move on by a
    /// direct MoveNext instead of ExecutionContext.Run on every resume (~1,000 instructions a request).
    /// </summary>
    private Task StartConnection(Http2ClientConnection connection, ConnectionContext context)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return RunConnectionAsync(connection, context);
        }

        using (ExecutionContext.SuppressFlow())
        {
            return RunConnectionAsync(connection, context);
        }
    }

    private async Task RunConnectionAsync(Http2ClientConnection connection, ConnectionContext context)
    {
        await connection.RunAsync().ConfigureAwait(false);
        using (_lock.EnterScope())
        {
            _connections.Remove(connection);
            _running.RemoveAll(static t => t.IsCompleted);
        }

        await context.DisposeAsync().ConfigureAwait(false);
        Interlocked.Decrement(ref _open);
        _breaker?.ConnectionClosed();
        SignalSlotFreed();
    }

    /// <summary>A connection freed a slot, got its SETTINGS, or stopped taking streams (GOAWAY, closed).</summary>
    private void OnConnectionStateChanged(Http2ClientConnection connection)
    {
        if (!connection.IsAcceptingStreams)
        {
            using (_lock.EnterScope())
            {
                _connections.Remove(connection);
            }
        }

        SignalSlotFreed();
    }

    private void SignalSlotFreed()
    {
        TaskCompletionSource? waiters;
        using (_lock.EnterScope())
        {
            waiters = _slotFreed;
            _slotFreed = null;
        }

        waiters?.TrySetResult();
    }

    /// <summary>A connect under way, and how many more waiting requests may count on it.</summary>
    private sealed class PendingConnect
    {
        public Task<UpstreamConnectResult> Task { get; set; } = null!;

        public long Unclaimed { get; set; }
    }
}
