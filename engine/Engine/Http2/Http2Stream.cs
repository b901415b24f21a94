using System.Buffers;
using System.IO.Pipelines;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;
using Engine.Transport.Epoll;

namespace Engine.Http2;

/// <summary>
/// What both sides' streams share: the RFC 9113 §5.1 state, both flow-control windows, an inbound
/// body (a pipe the connection's reader fills from DATA frames) and an outbound body (a pipe the
/// connection's writer drains into DATA frames within the windows), the trailers each way, and the
/// bookkeeping that lets a stream object be reused for a later stream of the same connection.
/// <para>
/// Ownership: the connection's reader loop is the only writer of the inbound pipe and the writer
/// loop the only reader of the outbound pipe; the owner (a request handler, or the forwarder holding
/// a client stream) reads the one and writes the other. Every field below marked "lock" is guarded
/// by the connection's lock. A stream goes back to the connection's pool only when the protocol is
/// done with it, the owner is done with it and both loops have let go of it (the "pinned" flags).
/// </para>
/// </summary>
internal abstract partial class Http2Stream : Transport.IOutboundLender
{
    private CancellationTokenSource? _abortedSource;
    private bool _abortSignaled;  // lock to write; read without it by AbortSignaled
    private volatile bool _inboundAborted;

    protected Http2Stream(Http2Connection connection)
    {
        Connection = connection;
        _inboundPipe = new SocketPipe(connection.InboundPipeOptions);
        _outboundPipe = new SocketPipe(connection.OutboundPipeOptions);
        Inbound = new Http2InboundBody(this);
        Outbound = new Http2OutboundBody(this);
    }

    internal Http2Connection Connection { get; }

    /// <summary>The stream identifier (a client stream gets it when its head is written, RFC 9113 §5.1.1: in wire order).</summary>
    public int StreamId { get; internal set; }

    /// <summary>How the stream ended (<see cref="Http2StreamEndKind.None"/> while it runs).</summary>
    public Http2StreamEnd End
    {
        get
        {
            using (Connection.Sync.EnterScope())
            {
                return EndValue;
            }
        }
    }

    /// <summary>
    /// Cancelled when the stream is reset (by the peer or by us) or the connection is lost before
    /// the stream completed. Created on first use: a stream nobody watches costs nothing.
    /// </summary>
    public CancellationToken Aborted
    {
        get
        {
            // The source outlives the stream's incarnations (reset for reuse unless it fired), so
            // it is usually there already: its token without the lock. Once created it is only
            // replaced when the stream is reused, which its owner (the caller) is not racing.
            if (Volatile.Read(ref _abortedSource) is { } existing)
            {
                return existing.Token;
            }

            using (Connection.Sync.EnterScope())
            {
                if (_abortedSource is null)
                {
                    var source = new CancellationTokenSource();
                    if (_abortSignaled)
                    {
                        source.Cancel();
                    }

                    Volatile.Write(ref _abortedSource, source);
                }

                return _abortedSource.Token;
            }
        }
    }

    /// <summary>Told when this incarnation is aborted (see <see cref="IStreamAbortWatch"/>); its owner sets it, reuse clears it.</summary>
    internal IStreamAbortWatch? AbortWatch;

    /// <summary>This incarnation was aborted (<see cref="Aborted"/> is or is about to be cancelled); creates nothing.</summary>
    internal bool AbortSignaled => Volatile.Read(ref _abortSignaled);

    internal Http2InboundBody Inbound { get; }

    internal Http2OutboundBody Outbound { get; }

    /// <summary>Trailers that ended the inbound message (valid once its body reported completion).</summary>
    internal HttpTrailers InboundTrailers { get; } = new();

    /// <summary>Trailers the owner asked to end the outbound message with (a copy).</summary>
    internal HttpTrailers OutboundTrailers { get; } = new();

    /// <summary>The inbound message did not end with END_STREAM: its body reader reports IsCanceled.</summary>
    internal bool InboundAborted
    {
        get => _inboundAborted;
        set => _inboundAborted = value;
    }

    // ---- Protocol state (lock) ----
    internal Http2StreamStateMachine State;
    internal Http2FlowWindow SendWindow;
    internal Http2ReceiveWindow ReceiveWindow;
    internal Http2ContentLength InboundLength;
    internal long OpenedAt;
    internal Http2StreamEnd EndValue;

    /// <summary>In the connection's stream table (open or half-closed; lock).</summary>
    internal bool Tracked;

    /// <summary>Counted against the concurrent-stream limit (lock).</summary>
    internal bool Counted;

    /// <summary>Index in the connection's list of live streams, -1 when not in it (lock).</summary>
    internal int LiveIndex = -1;

    // ---- Writer scheduling (lock) ----
    internal bool Queued;
    internal bool WriterPinned;
    internal bool BlockedOnStreamWindow;
    internal bool BlockedOnConnectionWindow;

    // ---- Inbound side (lock) ----
    internal bool ReaderPinned;

    /// <summary>Nothing more goes into the inbound pipe (END_STREAM, or the stream ended otherwise).</summary>
    internal bool InputEnded;
    internal bool InboundWriterCompleted;
    internal bool InboundReaderCompleted;

    /// <summary>The owner stopped reading: later DATA is credited back at once and dropped.</summary>
    internal bool InboundDiscard;

    /// <summary>Bytes in the inbound pipe not yet consumed by the owner (their credit is still owed).</summary>
    internal long InboundBuffered;
    internal bool HasInboundTrailers;

    /// <summary>The peer's head arrived (the request on a server stream, the final response on a client stream).</summary>
    internal bool PeerHeadReceived;

    // ---- Outbound side (lock) ----
    internal bool HeadPending;
    internal bool HeadEndStream;
    internal bool HeadSent;
    internal bool TrailersPending;

    /// <summary>The owner completed the outbound body (without an error): END_STREAM follows the data.</summary>
    internal bool OutboundCompleteRequested;

    /// <summary>The writer sends nothing more for this stream (END_STREAM written, or the stream was reset/abandoned).</summary>
    internal bool OutputEnded;

    /// <summary>OutputEnded because END_STREAM went out (not because the stream was abandoned).</summary>
    internal bool OutputFinished;
    internal bool OutboundReaderCompleted;
    internal bool OutboundWriterCompleted;

    // ---- Owner (lock) ----
    internal bool OwnerDone;
    internal bool ResetWhileRunning;
    internal bool Released;

    /// <summary>Writes the pending head as HEADERS (+ CONTINUATION); the writer loop only.</summary>
    internal abstract void WriteHead(IBufferWriter<byte> output, HpackEncoder encoder, bool endStream, int maxFrameSize);

    /// <summary>Cancels <see cref="Aborted"/> (outside the connection's lock: callbacks run inline).</summary>
    internal void SignalAborted()
    {
        CancellationTokenSource? source;
        using (Connection.Sync.EnterScope())
        {
            _abortSignaled = true;
            source = _abortedSource;
        }

        try
        {
            source?.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of the owner failed; the stream is gone either way.
        }

        // A full fence between the flag's store above and the watch's read: either the owner, which
        // sets its watch and then reads AbortSignaled, sees the flag, or this sees the watch.
        Interlocked.MemoryBarrier();
        AbortWatch?.OnStreamAborted(this);
    }

    /// <summary>
    /// Ends the outgoing message with a trailer section after the body written so far (copied;
    /// gRPC's grpc-status goes here). False when the stream is already gone.
    /// </summary>
    public ValueTask<bool> CompleteWithTrailersAsync(HttpTrailers trailers)
    {
        using (Connection.Sync.EnterScope())
        {
            if (OutputEnded)
            {
                return new ValueTask<bool>(false);
            }

            if (!HeadPending && !HeadSent)
            {
                throw new InvalidOperationException("Trailers need a head first.");
            }
        }

        OutboundTrailers.CopyFrom(trailers);
        using (Connection.Sync.EnterScope())
        {
            TrailersPending = true;
        }

        Connection.OnOutboundCompleted(this, exception: null);
        return new ValueTask<bool>(true);
    }

    /// <summary>Resets the stream (RST_STREAM with <paramref name="code"/> once it is on the wire): both directions stop here.</summary>
    public void Reset(Http2ErrorCode code = Http2ErrorCode.Cancel) => Connection.ResetStream(this, code);

    /// <summary>Back to the state of a new stream (every pipe end in use has been completed).</summary>
    internal virtual void ResetForReuse()
    {
        ResetPipes();
        Inbound.Reset();
        InboundTrailers.Reset();
        OutboundTrailers.Reset();
        if (_abortedSource is not null && (_abortSignaled || !_abortedSource.TryReset()))
        {
            _abortedSource.Dispose();
            _abortedSource = null;
        }

        _abortSignaled = false;
        AbortWatch = null;
        _inboundAborted = false;
        StreamId = 0;
        State = default;
        SendWindow = default;
        ReceiveWindow = default;
        InboundLength = default;
        OpenedAt = 0;
        EndValue = default;
        Tracked = Counted = false;
        LiveIndex = -1;
        Queued = WriterPinned = BlockedOnStreamWindow = BlockedOnConnectionWindow = false;
        ReaderPinned = InputEnded = InboundWriterCompleted = InboundReaderCompleted = InboundDiscard = HasInboundTrailers = PeerHeadReceived = false;
        InboundBuffered = 0;
        HeadPending = HeadEndStream = HeadSent = TrailersPending = OutboundCompleteRequested = false;
        OutputEnded = OutputFinished = OutboundReaderCompleted = OutboundWriterCompleted = false;
        OwnerDone = ResetWhileRunning = Released = false;
    }
}
