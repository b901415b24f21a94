using System.Buffers;
using System.IO.Pipelines;
using Engine.Async;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Engine.Proxy;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Engine.Http2;

/// <summary>
/// One HTTP/2 connection over a transport's pipes, either side (the server and client subclasses
/// differ in who opens streams and what a field block means). It is the session the codec's README
/// describes: one reader loop that parses frames and keeps every rule of RFC 9113 with the codec's
/// pieces, and one writer loop that serialises the frames of all streams into the socket pipe.
/// <list type="bullet">
/// <item>The reader never waits for the writer: what it must send (SETTINGS and PING ACKs,
/// RST_STREAM, WINDOW_UPDATE, GOAWAY) goes into a small control buffer, bounded by the outbound
/// frame budget (SETTINGS/PING/RST floods, CVE-2019-9512/9514/9515), and the writer picks it up.</item>
/// <item>The writer takes the streams that have output in turn, writes HEADERS (HPACK in wire order,
/// so only the writer encodes), then DATA within the connection and stream send windows; a stream
/// without window is parked until a WINDOW_UPDATE, the others go on. It flushes once per pass
/// (batching), and a producer can get at most <see cref="Http2SessionOptions.MaxBufferedBytesPerStream"/>
/// ahead of it (zero-window slow readers, CVE-2019-9517).</item>
/// <item>Inbound DATA goes into the stream's pipe; its credit is returned when the owner consumes it.</item>
/// </list>
/// State shared by the loops and the owners' threads is guarded by <see cref="Sync"/>; anything that
/// may run an owner's continuation (completing a pipe end, cancelling a token) is deferred until the
/// lock is released (<see cref="Http2Deferred"/>). Expected failures are values; exceptions are only
/// those the transport surfaces, caught in the loops.
/// </summary>
internal abstract partial class Http2Connection
{
    private readonly ConnectionContext _context;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Http2Signal _writerSignal = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<Http2Deferred> _deferred = new();
    private readonly List<Http2StreamSlot> _live = [];
    private readonly List<Http2StreamSlot> _abortScratch = [];
    private readonly Stack<Http2StreamSlot> _pool = new();
    private ITimer? _lingerTimer;
    private volatile bool _lingerExpired;
    private long _streamsCreated;

    protected Http2Connection(ConnectionContext context, Http2SessionOptions options, bool isServer)
    {
        _context = context;
        _input = context.Transport.Input;
        _output = context.Transport.Output;
        Options = options;
        Limits = options.Limits;
        Ids = new Http2StreamIds(isServer);
        _decoder = new HpackDecoder(Limits.HeaderTableSize);
        _encoder = new HpackEncoder(Limits.EncoderTableSize);
        _assembler = new Http2HeaderBlockAssembler(Limits);
        _emptyFrames = new Http2EmptyFrameGuard(Limits);
        _priorities = new Http2PriorityGuard(Limits);
        _windowUpdates = new Http2WindowUpdateGuard(Limits);
        _resetGuard = new Http2RapidResetGuard(Limits);
        _budget = new Http2OutboundFrameBudget(Limits);
        _receiveWindow = new Http2ReceiveWindow(Http2Settings.DefaultInitialWindowSize, Limits.InitialConnectionWindowSize);
        var pool = options.MemoryPool ?? context.Features.Get<IMemoryPoolFeature>()?.MemoryPool ?? MemoryPool<byte>.Shared;
        BufferPool = pool;
        InboundPipeOptions = new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false);
        OutboundPipeOptions = new PipeOptions(
            pool, PipeScheduler.Inline, PipeScheduler.Inline, options.MaxBufferedBytesPerStream, options.MaxBufferedBytesPerStream / 2, useSynchronizationContext: false);
    }

    internal ShortLock Sync { get; } = new();

    /// <summary>The blocks the stream pipes are made of (a whole small answer is held in one, see <see cref="Http2Stream.TryHoldWholeBody"/>).</summary>
    internal MemoryPool<byte> BufferPool { get; }

    internal PipeOptions InboundPipeOptions { get; }

    internal PipeOptions OutboundPipeOptions { get; }

    public Http2SessionOptions Options { get; }

    protected Http2Limits Limits { get; }

    /// <summary>Stream identifiers of this connection (lock).</summary>
    protected Http2StreamIds Ids { get; }

    /// <summary>Where the connection is in its life.</summary>
    public Http2ConnectionPhase Phase
    {
        get
        {
            using (Sync.EnterScope())
            {
                return PhaseValue;
            }
        }
    }

    /// <summary>Streams open or half-closed (server: the client's; client: ours, sent or about to be).</summary>
    public int ActiveStreams
    {
        get
        {
            using (Sync.EnterScope())
            {
                return ActiveStreamCount;
            }
        }
    }

    /// <summary>Why the connection failed (a connection error we sent in GOAWAY), or None.</summary>
    public Http2Error Failure { get; private set; }

    /// <summary>Stream objects ever created (not reused from the pool): a bounded number under any load.</summary>
    public long StreamsCreated => Interlocked.Read(ref _streamsCreated);

    /// <summary>Completes when the connection is over (both loops ended and the transport is done with).</summary>
    public Task Completion => _finished.Task;

    /// <summary>Bytes the control buffer holds now (diagnostics: bounded by the outbound frame budget).</summary>
    internal int ControlBufferCapacity
    {
        get
        {
            using (Sync.EnterScope())
            {
                return _control.Capacity;
            }
        }
    }

    protected Http2ConnectionPhase PhaseValue { get; private set; }

    protected int ActiveStreamCount { get; set; }

    /// <summary>
    /// Runs the connection until it closes: starts the writer, reads frames until the peer closes, a
    /// connection error, or a drain completes, then ends every stream. Never throws for transport failures.
    /// </summary>
    public async Task RunAsync()
    {
        var writer = WriteLoopAsync();
        try
        {
            await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            // The transport is gone; streams learn it below.
        }
        finally
        {
            using (Sync.EnterScope())
            {
                PhaseValue = Http2ConnectionPhase.Closed;
                Defer(Http2DeferredKind.AbortAll);
                Defer(Http2DeferredKind.NotifyOwner);
                _wakeRequested = true;
                _readerBatching = false;
            }

            RunDeferred();
            await writer.ConfigureAwait(false);
            _lingerTimer?.Dispose();
            await OnClosedAsync().ConfigureAwait(false);
            await _input.CompleteAsync().ConfigureAwait(false);
            _finished.TrySetResult();
        }
    }

    /// <summary>
    /// Graceful shutdown (RFC 9113 §6.8): GOAWAY with the last stream we accepted, the streams below
    /// it finish, then the connection closes. Completes when it has. Cancelling
    /// <paramref name="cancellationToken"/> (the drain timeout) aborts the streams still running.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken = default)
    {
        using (Sync.EnterScope())
        {
            StartDrainLocked();
        }

        RunDeferred();
        using (cancellationToken.Register(static s => ((Http2Connection)s!).Abort(Http2Error.None), this))
        {
            await Completion.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends the connection now: GOAWAY with the error's code (NO_ERROR for None) is written if the
    /// transport still takes it, every stream is aborted.
    /// </summary>
    public void Abort(Http2Error error)
    {
        using (Sync.EnterScope())
        {
            FailLocked(error, abortive: false);
        }

        RunDeferred();
    }

    /// <summary>Called once both loops have ended and every stream was aborted (server: wait for handlers).</summary>
    protected virtual Task OnClosedAsync() => Task.CompletedTask;

    /// <summary>Called (outside the lock) when capacity or state changed: a stream slot freed, GOAWAY, closed.</summary>
    protected virtual void OnStateChanged()
    {
    }

    /// <summary>GOAWAY sent when a server drains; a client has no streams of the peer to announce.</summary>
    protected virtual void StartDrainLocked()
    {
        if (PhaseValue != Http2ConnectionPhase.Open)
        {
            return;
        }

        PhaseValue = Http2ConnectionPhase.Draining;
        Ids.OnGoAwaySent(Ids.LastPeerStreamId);
        QueueGoAwayLocked(Ids.LastPeerStreamId, Http2ErrorCode.NoError, default);
        Defer(Http2DeferredKind.NotifyOwner);
        CheckDrainedLocked();
    }

    /// <summary>
    /// Connection error (RFC 9113 §5.4.1): GOAWAY with the code, then close. <paramref name="abortive"/>
    /// when the peer is not reading (outbound floods): the transport is torn down without waiting.
    /// </summary>
    protected void FailLocked(Http2Error error, bool abortive)
    {
        if (PhaseValue >= Http2ConnectionPhase.Closing)
        {
            if (abortive)
            {
                Defer(Http2DeferredKind.AbortTransport);
            }

            return;
        }

        PhaseValue = Http2ConnectionPhase.Closing;
        Failure = error;
        QueueGoAwayLocked(Ids.LastPeerStreamId, Http2ErrorTable.CodeFor(error), error == Http2Error.None ? default : Http2ErrorTable.Describe(error));
        Defer(Http2DeferredKind.AbortAll);
        Defer(Http2DeferredKind.StartLinger);
        Defer(Http2DeferredKind.NotifyOwner);
        if (abortive)
        {
            Defer(Http2DeferredKind.AbortTransport);
        }
    }

    /// <summary>While draining (either side's GOAWAY), the last stream closing closes the connection.</summary>
    protected void CheckDrainedLocked()
    {
        if (PhaseValue == Http2ConnectionPhase.Draining && ActiveStreamCount == 0 && !HasUnsentStreamsLocked())
        {
            PhaseValue = Http2ConnectionPhase.Closing;
            Defer(Http2DeferredKind.StartLinger);
            Defer(Http2DeferredKind.NotifyOwner);
            _wakeRequested = true;
        }
    }

    /// <summary>Client streams opened but not yet on the wire keep a draining connection open.</summary>
    protected virtual bool HasUnsentStreamsLocked() => false;

    protected void Defer(Http2DeferredKind kind, Http2Stream? stream = null) => _deferred.Enqueue(new Http2Deferred(kind, stream));

    /// <summary>Runs what was deferred under the lock, then wakes the writer if it has work (unless the reader is batching).</summary>
    internal void RunDeferred()
    {
        // Most calls find nothing to do, and taking the lock to learn that was 7 lock round trips
        // per proxied h2c request (callgrind). Unlocked reads suffice: whatever this thread deferred
        // or requested under the lock it sees here, and another thread's work is run by that
        // thread's own call after its locked section. The same check ends the loop once this
        // thread has run everything (one lock round trip less per call that finds work).
        while (true)
        {
            if (_deferred.Count == 0 && !Volatile.Read(ref _wakeRequested))
            {
                return;
            }

            Http2Deferred item;
            bool wake;
            using (Sync.EnterScope())
            {
                if (!_deferred.TryDequeue(out item))
                {
                    wake = _wakeRequested && !_readerBatching;
                    if (wake)
                    {
                        _wakeRequested = false;
                    }

                    if (wake)
                    {
                        break;
                    }

                    return;
                }
            }

            Execute(item);
        }

        _writerSignal.Set();
    }

    private void Execute(Http2Deferred item)
    {
        var stream = item.Stream;
        switch (item.Kind)
        {
            case Http2DeferredKind.CompleteInboundWriter:
                stream!.CompleteInboundWriter();
                using (Sync.EnterScope())
                {
                    stream.InboundWriterCompleted = true;
                    CheckReleaseLocked(stream);
                }

                break;
            case Http2DeferredKind.CompleteOutboundReader:
                stream!.CompleteOutboundReader();
                using (Sync.EnterScope())
                {
                    stream.OutboundReaderCompleted = true;
                    CheckReleaseLocked(stream);
                }

                break;
            case Http2DeferredKind.SignalAborted:
                if (!stream!.InboundEndedAtHead)
                {
                    stream.InboundPipe.Reader.CancelPendingRead();
                }

                stream.SignalAborted();
                OnStreamAborted(stream);
                break;
            case Http2DeferredKind.SignalHead:
                OnHeadSignal(stream!);
                break;
            case Http2DeferredKind.CompleteOwnerEnds:
                CompleteOwnerEnds(stream!);
                break;
            case Http2DeferredKind.Release:
                Release(stream!);
                break;
            case Http2DeferredKind.AbortAll:
                AbortAll();
                break;
            case Http2DeferredKind.StartLinger:
                StartLinger();
                break;
            case Http2DeferredKind.AbortTransport:
                _context.Abort(new ConnectionAbortedException("HTTP/2 connection closed: " + System.Text.Encoding.ASCII.GetString(Http2ErrorTable.Describe(Failure))));
                break;
            case Http2DeferredKind.NotifyOwner:
                OnStateChanged();
                break;
        }
    }

    /// <summary>A stream was aborted (outside the lock): client streams wake a head waiter.</summary>
    protected virtual void OnStreamAborted(Http2Stream stream)
    {
    }

    /// <summary>A client stream's final head arrived (outside the lock).</summary>
    protected virtual void OnHeadSignal(Http2Stream stream)
    {
    }

    private void StartLinger()
    {
        using (Sync.EnterScope())
        {
            if (_lingerTimer is not null || PhaseValue == Http2ConnectionPhase.Closed)
            {
                return;
            }

            _lingerTimer = Options.Time.CreateTimer(
                static s =>
                {
                    var connection = (Http2Connection)s!;
                    connection._lingerExpired = true;
                    connection._input.CancelPendingRead();
                },
                this,
                Options.CloseLinger,
                Timeout.InfiniteTimeSpan);
        }
    }

    private void AbortAll()
    {
        using (Sync.EnterScope())
        {
            _abortScratch.Clear();
            _abortScratch.AddRange(_live);
        }

        foreach (var slot in _abortScratch)
        {
            var stream = slot.Stream;
            using (Sync.EnterScope())
            {
                AbortStreamLocked(stream, ConnectionEndFor(stream), sendReset: false, Http2ErrorCode.NoError);
            }
        }

        _abortScratch.Clear();
    }

    /// <summary>How a stream ends when the connection goes away under it.</summary>
    protected virtual Http2StreamEnd ConnectionEndFor(Http2Stream stream)
        => new(Http2StreamEndKind.ConnectionLost, Http2ErrorTable.CodeFor(Failure), stream.PeerHeadReceived, Failure);
}
