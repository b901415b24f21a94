using System.Collections.Concurrent;
using System.Net;
using Engine.Telemetry;
using Engine.Transport;
using Engine.Upstream;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Proxy;

/// <summary>
/// The running proxy: listeners, the current configuration, and the sessions they start. The
/// configuration is swapped with <see cref="Publish"/> (one reference write); each request reads
/// it once and finishes on that snapshot. Shutdown is a drain (ProxyServer.Drain.cs).
/// </summary>
internal sealed partial class ProxyServer : IAsyncDisposable
{
    private readonly IConnectionListenerFactory _listenerFactory;
    private readonly List<IConnectionListener> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private readonly CancellationTokenSource _stopping = new();
    private RuntimeConfig _config;
    private int _activeConnections;
    private long _connectionsAccepted;

    // Every open connection, with its HTTP session once it has one (the drain closes idle ones and
    // cuts what is left at its timeout). Null for a transparent-listener connection that has not
    // (or never will, for L4 passthrough) become an HTTP session.
    private readonly ConcurrentDictionary<ConnectionContext, IDrainableSession?> _connections = new();
    private volatile bool _draining;
    private volatile bool _overloaded;
    private long _rejectedConnections;
    private ITimer? _heapWatch;

    private static readonly byte[] ConnectionLimitReply = System.Text.Encoding.ASCII.GetBytes(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nx-envoy-overloaded: true\r\nconnection: close\r\n\r\n");

    public ProxyServer(ProxyOptions options, RuntimeConfig config, ILoggerFactory loggerFactory, IRandomSource? random = null, TimeProvider? time = null, IRequestTelemetry? telemetry = null)
    {
        Options = options;
        _config = config;
        Random = random ?? SharedRandomSource.Instance;
        Time = time ?? TimeProvider.System;
        Telemetry = telemetry ?? NoRequestTelemetry.Instance;
        Mirrors = new Mirroring.MirrorDispatcher(options.MaxMirrorsInFlight, options.MaxMirrorBytesInFlight);
        if (options.MaxHeapBytes > 0)
        {
            // Sampled, not measured per request: reading GC info is not free.
            _heapWatch = Time.CreateTimer(static s => ((ProxyServer)s!).CheckHeap(), this, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        }
        Logger = loggerFactory.CreateLogger("engine.proxy");
        _listenerFactory = SocketTransports.CreateListenerFactory(options.Transport, loggerFactory);
    }

    public ProxyOptions Options { get; }

    public IRandomSource Random { get; }

    public TimeProvider Time { get; }

    /// <summary>Fire-and-forget mirrored copies, bounded.</summary>
    public Mirroring.MirrorDispatcher Mirrors { get; }

    /// <summary>Access log and metrics sink for finished requests.</summary>
    public IRequestTelemetry Telemetry { get; }

    /// <summary>Idle HTTP/2 stream objects that outlived their connections.</summary>
    internal Http2ProxyStreamPool Http2Streams { get; } = new();

    public ILogger Logger { get; }

    /// <summary>The configuration new requests use.</summary>
    public RuntimeConfig Config => Volatile.Read(ref _config);

    /// <summary>Set once shutdown begins: responses carry <c>connection: close</c>.</summary>
    public bool Draining => _draining;

    public int ActiveConnections => Volatile.Read(ref _activeConnections);

    /// <summary>Downstream connections accepted since start (<c>envoy_http_downstream_cx_total</c>).</summary>
    public long ConnectionsAccepted => Interlocked.Read(ref _connectionsAccepted);

    /// <summary>Connections refused because of <see cref="ProxyOptions.MaxConnections"/>.</summary>
    public long RejectedConnections => Interlocked.Read(ref _rejectedConnections);

    /// <summary>Over the memory ceiling: new requests are shed with 503 until the heap shrinks.</summary>
    public bool Overloaded => _overloaded;

    public IReadOnlyList<EndPoint> Endpoints => _listeners.Select(l => l.EndPoint).ToArray();

    public void Publish(RuntimeConfig config) => Volatile.Write(ref _config, config);

    /// <summary>Cancelled when shutdown begins (long-lived L4 connections end with it).</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Binds a listener (port 0 picks a free port; see <see cref="Endpoints"/>). Its connections
    /// run an HTTP/1.1 session, or <paramref name="handler"/> (transparent listeners, Engine.Interception).
    /// </summary>
    public async Task<EndPoint> ListenAsync(EndPoint endpoint, ConnectionDelegate? handler = null)
    {
        var listener = await _listenerFactory.BindAsync(endpoint, _stopping.Token).ConfigureAwait(false);
        _listeners.Add(listener);
        _acceptLoops.Add(AcceptLoopAsync(listener, handler));
        ProxyLog.Listening(Logger, listener.EndPoint.ToString() ?? "?");
        return listener.EndPoint;
    }

    private async Task AcceptLoopAsync(IConnectionListener listener, ConnectionDelegate? handler)
    {
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
                if (connection is null)
                {
                    break; // unbound
                }

                StartConnection(connection, handler);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            ProxyLog.AcceptFailed(Logger, e, listener.EndPoint.ToString() ?? "?");
        }
    }

    /// <summary>
    /// Runs a connection without the accept loop's execution context, as the epoll loops run
    /// everything: its awaits then capture none, and every resume is a direct MoveNext.
    /// </summary>
    private void StartConnection(ConnectionContext connection, ConnectionDelegate? handler)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            _ = RunConnectionAsync(connection, handler);
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _ = RunConnectionAsync(connection, handler);
        }
    }

    private async Task RunConnectionAsync(ConnectionContext connection, ConnectionDelegate? handler)
    {
        var active = Interlocked.Increment(ref _activeConnections);
        Interlocked.Increment(ref _connectionsAccepted);
        _connections[connection] = null;
        try
        {
            if (Options.MaxConnections > 0 && active > Options.MaxConnections)
            {
                // Over the connection ceiling: shed this one with a clear answer rather than die later.
                // (Transparent listeners carry any protocol: there the connection is just closed.)
                Interlocked.Increment(ref _rejectedConnections);
                if (handler is null)
                {
                    await connection.Transport.Output.WriteAsync(ConnectionLimitReply).ConfigureAwait(false);
                    await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
                }

                return;
            }

            if (handler is not null)
            {
                await handler(connection).ConfigureAwait(false);
            }
            else
            {
                // HTTP/1.1 and HTTP/2 (h2c prior knowledge) share the listener: the session hands the
                // connection over when its first bytes are the HTTP/2 preface.
                var session = new Http1ProxySession(this, connection);
                await session.RunAsync().ConfigureAwait(false);
                if (session.SwitchedToHttp2)
                {
                    await new Http2ProxyConnection(this, connection).RunAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            ProxyLog.SessionFailed(Logger, e, connection.RemoteEndPoint?.ToString() ?? "?");
        }
        finally
        {
            _connections.TryRemove(connection, out _);

            // Counted until the transport has sent the last bytes and closed: a drain that sees
            // no connection left can let the process exit without cutting a response short.
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _activeConnections);
            }
        }
    }

    /// <summary>An HTTP session started on <paramref name="connection"/> (directly or behind a transparent listener): the drain can now close it when idle.</summary>
    internal void Attach(ConnectionContext connection, IDrainableSession session)
    {
        if (_connections.ContainsKey(connection))
        {
            _connections[connection] = session;
        }
    }

    private void CheckHeap() => _overloaded = GC.GetTotalMemory(forceFullCollection: false) > Options.MaxHeapBytes;

    public async ValueTask DisposeAsync()
    {
        _draining = true;
        _heapWatch?.Dispose();
        await StopListeningAsync().ConfigureAwait(false);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
