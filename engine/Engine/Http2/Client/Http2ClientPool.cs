using System.Net;
using System.Runtime.CompilerServices;
using Engine.Async;
using Engine.Proxy;
using Engine.Upstream;
using Microsoft.AspNetCore.Connections;

namespace Engine.Http2.Client;

/// <summary>
/// HTTP/2 connections to one endpoint, multiplexed: a stream goes on the first connection with a
/// free slot (below the server's SETTINGS_MAX_CONCURRENT_STREAMS); when all are full another
/// connection is opened (one connect at a time; everyone waiting shares it), up to
/// <c>maxConnections</c> if set. A connection that got GOAWAY or closed leaves the pool at once and
/// finishes its streams on its own; the next stream goes to a new one.
/// </summary>
internal sealed class Http2ClientPool : IAsyncDisposable
{
    /// <summary>Rounds of "look for a slot, else connect or wait" before giving up (bounded; normally one or two).</summary>
    private const int MaxRounds = 16;

    private readonly Func<CancellationToken, ValueTask<UpstreamConnectResult>> _connect;
    private readonly Http2SessionOptions _options;
    private readonly int _maxConnections;
    private readonly Lock _lock = new();
    private readonly List<Http2ClientConnection> _connections = [];
    private readonly List<Task> _running = [];
    private Task<UpstreamConnectResult>? _connecting;
    private TaskCompletionSource? _slotFreed;
    private bool _disposed;
    private long _opened;

    public Http2ClientPool(IPEndPoint address, UpstreamConnector connector, UpstreamPoolSettings settings, Http2SessionOptions? options = null, int maxConnections = 0)
        : this(ct => connector.ConnectAsync(address, settings.ConnectTimeout, settings.TcpKeepalive, ct, settings.Tls, http2: true), options, maxConnections)
    {
    }

    /// <param name="connect">Opens a transport connection to the endpoint (a value for failures, never an exception).</param>
    /// <param name="maxConnections">Most connections at once (0: no limit; Istio's default is effectively none).</param>
    public Http2ClientPool(
        Func<CancellationToken, ValueTask<UpstreamConnectResult>> connect,
        Http2SessionOptions? options = null,
        int maxConnections = 0)
    {
        _connect = connect;
        _options = options ?? Http2SessionOptions.Default;
        _maxConnections = maxConnections;
    }

    /// <summary>Connections taking new streams now.</summary>
    public int Connections
    {
        get
        {
            lock (_lock)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Connections ever opened (tests count them).</summary>
    public long ConnectionsOpened => Interlocked.Read(ref _opened);

    /// <summary>
    /// A new stream on a connection with a free slot, connecting when none has one. The outcome says
    /// why there is no stream: the connect failed, timed out (or <paramref name="cancellationToken"/>
    /// fired: <see cref="ConnectOutcome.TimedOut"/>), or every connection stayed full (<see cref="ConnectOutcome.AtLimit"/>).
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    public async ValueTask<Http2OpenResult> OpenStreamAsync(CancellationToken cancellationToken = default)
    {
        for (var round = 0; round < MaxRounds; round++)
        {
            Task wait;
            lock (_lock)
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

                // A connection whose SETTINGS are on their way will likely have room: wait for them
                // rather than open a connection per waiting request.
                if (!awaitingSettings && _connecting is null && (_maxConnections <= 0 || _connections.Count < _maxConnections))
                {
                    _connecting = ConnectAsync();
                }

                if (_connecting is not null)
                {
                    wait = _connecting;
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
                var connected = await connecting.ConfigureAwait(false);
                if (connected.Outcome != ConnectOutcome.Connected)
                {
                    return new Http2OpenResult(null, connected.Outcome, connected.TransportFailure, connected.FailureDetail);
                }
            }
        }

        return new Http2OpenResult(null, ConnectOutcome.AtLimit);
    }

    /// <summary>
    /// Drains every connection (GOAWAY; streams in flight finish, for at most
    /// <see cref="Http2SessionOptions.DrainTimeout"/>, then they are aborted) and waits for them to close.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Http2ClientConnection[] connections;
        Task[] running;
        lock (_lock)
        {
            _disposed = true;
            connections = [.. _connections];
            running = [.. _running];
            _connections.Clear();
        }

        using var timeout = new CancellationTokenSource(_options.DrainTimeout, _options.Time);
        foreach (var connection in connections)
        {
            _ = connection.DrainAsync(timeout.Token);
        }

        await Task.WhenAll(running).ConfigureAwait(false);
        if (_connecting is { } connecting)
        {
            await connecting.ConfigureAwait(false);
        }
    }

    /// <summary>Opens one connection; what waiters learn is the outcome (the context itself is the pool's).</summary>
    private async Task<UpstreamConnectResult> ConnectAsync()
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

        lock (_lock)
        {
            _connecting = null;
            if (result.Context is not { } context)
            {
                return result;
            }

            var connection = new Http2ClientConnection(context, _options, OnConnectionStateChanged);
            Interlocked.Increment(ref _opened);
            _running.Add(RunConnectionAsync(connection, context));
            if (_disposed)
            {
                connection.Abort(Protocols.Http2.Http2Error.None);
                return new UpstreamConnectResult(ConnectOutcome.Failed, null);
            }

            _connections.Add(connection);
            return new UpstreamConnectResult(ConnectOutcome.Connected, null);
        }
    }

    private async Task RunConnectionAsync(Http2ClientConnection connection, ConnectionContext context)
    {
        await connection.RunAsync().ConfigureAwait(false);
        lock (_lock)
        {
            _connections.Remove(connection);
            _running.RemoveAll(static t => t.IsCompleted);
        }

        await context.DisposeAsync().ConfigureAwait(false);
        SignalSlotFreed();
    }

    /// <summary>A connection freed a slot, got its SETTINGS, or stopped taking streams (GOAWAY, closed).</summary>
    private void OnConnectionStateChanged(Http2ClientConnection connection)
    {
        if (!connection.IsAcceptingStreams)
        {
            lock (_lock)
            {
                _connections.Remove(connection);
            }
        }

        SignalSlotFreed();
    }

    private void SignalSlotFreed()
    {
        TaskCompletionSource? waiters;
        lock (_lock)
        {
            waiters = _slotFreed;
            _slotFreed = null;
        }

        waiters?.TrySetResult();
    }
}
