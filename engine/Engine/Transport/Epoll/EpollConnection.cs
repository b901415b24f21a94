using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Engine.Transport.Epoll;

/// <summary>
/// One TCP connection on an epoll loop, seen by the engine as a <see cref="ConnectionContext"/>
/// with an input and an output pipe — the contract Kestrel's socket transport has, minus its
/// speculative reads and per-segment sends.
/// </summary>
/// <remarks>
/// <para>
/// Two loops move bytes: <see cref="ReceiveAsync"/> (socket → input pipe) and
/// <see cref="SendAsync"/> (output pipe → socket). The socket is registered once, edge-triggered
/// for both directions, and never modified: no epoll_ctl per wait, unlike level triggering, which
/// would need one to silence EPOLLIN while the input pipe is paused and to arm EPOLLOUT for each
/// blocked write.
/// </para>
/// <para>
/// Close: the descriptor is closed when both loops have ended, never before, so no read or write
/// can reach a number the kernel has handed to another socket. The receive loop ends at the
/// peer's FIN, a reset, an abort or disposal; the send loop when the output is completed and
/// drained (then FIN: <c>shutdown(SHUT_WR)</c>, so the peer may still send: half-close), on a
/// failed write, or on an abort. An abort sends no FIN of its own: the close that follows it
/// resets the connection when <c>SO_LINGER</c> is 0 (what the proxy sets before aborting a
/// truncated response), or when unread bytes remain.
/// </para>
/// </remarks>
internal sealed partial class EpollConnection : ConnectionContext, IConnectionSocketFeature, IMemoryPoolFeature, IEpollHandler
{
    private static long s_ids;

    private readonly EpollTransport _transport;
    private readonly int _fd;
    private readonly SocketPipe _input;
    private readonly SocketPipe _output;
    private readonly Readiness _readable = new();
    private readonly Readiness _writable = new();
    private readonly CancellationTokenSource _closedSource = new();
    private readonly IPEndPoint? _remote;
    private IDuplexPipe _transportPipe;
    private Task _processing = Task.CompletedTask;
    private ConnectionAbortedException? _abortReason;
    private Exception? _failure;
    private volatile bool _peerDone;
    private int _closedFired;
    private string? _id;
    private IFeatureCollection? _features;
    private IDictionary<object, object?>? _items;

    public EpollConnection(EpollTransport transport, int fd, EpollLoop loop, IPEndPoint? remote)
    {
        _transport = transport;
        _fd = fd;
        Loop = loop;
        _remote = remote;
        _input = new SocketPipe(transport.InputOptions);
        _output = new SocketPipe(transport.OutputOptions);
        _transportPipe = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionClosed = _closedSource.Token;
    }

    public EpollLoop Loop { get; }

    /// <summary>
    /// The transport's pinned block pool, for what the owner buffers beside the socket pipes (an
    /// HTTP/2 connection's stream bodies). Without it those pipes fell back to the shared array
    /// pool, whose few cached arrays per size made ~62 KB of garbage per 64 KiB answer over h2c.
    /// </summary>
    public MemoryPool<byte> MemoryPool => _transport.Pool;

    public ulong Token { get; set; }

    public override string ConnectionId
    {
        get => _id ??= "E" + Interlocked.Increment(ref s_ids).ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
        set => _id = value;
    }

    public override IFeatureCollection Features => _features ??= CreateFeatures();

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _transportPipe;
        set => _transportPipe = value;
    }

    public override EndPoint? RemoteEndPoint
    {
        get => _remote;
        set => throw new NotSupportedException("the remote address of an epoll connection is fixed");
    }

    /// <summary>Adds the socket to its loop (edge-triggered, both directions); 0 or the errno.</summary>
    public int Register()
    {
        EpollRegistry.Add(this);
        var error = Loop.Add(_fd, EpollLibc.EPOLLIN | EpollLibc.EPOLLOUT | EpollLibc.EPOLLRDHUP | EpollLibc.EPOLLET, this);
        if (error != 0)
        {
            EpollRegistry.Remove(this);
        }

        return error;
    }

    /// <summary>Starts both loops; the descriptor is closed when they have ended.</summary>
    /// <remarks>
    /// Without the starter's execution context: the loops' continuations then run MoveNext
    /// directly instead of through ExecutionContext.RunInternal on every resume.
    /// </remarks>
    public void Start()
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            _processing = RunAsync();
            return;
        }

        using (ExecutionContext.SuppressFlow())
        {
            _processing = RunAsync();
        }
    }

    public void OnEvents(uint events)
    {
        const uint PeerEnd = EpollLibc.EPOLLRDHUP | EpollLibc.EPOLLHUP | EpollLibc.EPOLLERR;
        if (_connecting is { } connecting && (events & (EpollLibc.EPOLLOUT | EpollLibc.EPOLLERR | EpollLibc.EPOLLHUP)) != 0)
        {
            connecting.TrySetResult(ConnectSignal.Writable);
        }

        if ((events & PeerEnd) != 0)
        {
            // No edge will follow the FIN or the reset: read on to the end of the stream.
            _peerDone = true;
        }

        if ((events & (EpollLibc.EPOLLIN | PeerEnd)) != 0)
        {
            _readable.Signal();
        }

        if ((events & (EpollLibc.EPOLLOUT | EpollLibc.EPOLLERR | EpollLibc.EPOLLHUP)) != 0)
        {
            _writable.Signal();
        }

        if ((events & (EpollLibc.EPOLLHUP | EpollLibc.EPOLLERR)) != 0)
        {
            // Gone both ways (or reset): tell the owner now, even if its input is paused and the
            // receive loop has not seen it yet.
            FireConnectionClosed();
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.CompareExchange(ref _abortReason, abortReason, null) is not null)
        {
            return;
        }

        StopReceiving();
        _writable.Close();
        _output.Reader.CancelPendingRead();
    }

    public override void Abort() => Abort(new ConnectionAbortedException("The connection was aborted by the application."));

    public override async ValueTask DisposeAsync()
    {
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        StopReceiving();
        await _processing.ConfigureAwait(false);
        _closedSource.Dispose();
    }

    private async Task RunAsync()
    {
        var receive = ReceiveAsync();
        var send = SendAsync();
        await receive.ConfigureAwait(false);
        await send.ConfigureAwait(false);
        CloseSocket();
    }

    /// <summary>Ends the receive loop wherever it is: parked on readiness, or paused by a full input pipe.</summary>
    private void StopReceiving()
    {
        _readable.Close();
        _input.Writer.CancelPendingFlush();
    }

    private void FireConnectionClosed()
    {
        if (Interlocked.Exchange(ref _closedFired, 1) != 0)
        {
            return;
        }

        try
        {
            _closedSource.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of the owner failed; that is the owner's business, not the transport's.
        }
    }

    private FeatureCollection CreateFeatures()
    {
        var features = new FeatureCollection();
        features.Set<IConnectionSocketFeature>(this);
        features.Set<IMemoryPoolFeature>(this);
        return features;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
