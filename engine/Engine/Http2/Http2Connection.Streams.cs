using Engine.Async;
using Engine.Protocols.Http2;

namespace Engine.Http2;

/// <summary>Stream lifecycle: renting, closing (RFC 9113 §5.1), aborting, and returning stream objects to the pool.</summary>
internal abstract partial class Http2Connection
{
    private readonly Dictionary<int, Http2Stream> _streams = [];
    private readonly Http2ClosedStreams _closedStreams = new();

    /// <summary>Makes a stream object of the subclass's kind (the pool is empty).</summary>
    protected abstract Http2Stream CreateStream();

    /// <summary>Streams known to the connection (diagnostics).</summary>
    internal int LiveStreams
    {
        get
        {
            using (Sync.EnterScope())
            {
                return _live.Count;
            }
        }
    }

    /// <summary>Streams known to the connection, for a pass that looks at each (lock).</summary>
    protected List<Http2StreamSlot> LiveStreamsLocked() => _live;

    /// <summary>Stream objects waiting in the pool (diagnostics).</summary>
    internal int PooledStreams
    {
        get
        {
            using (Sync.EnterScope())
            {
                return _pool.Count;
            }
        }
    }

    /// <summary>A stream object from the pool or a new one, counted as live.</summary>
    protected Http2Stream RentStreamLocked()
    {
        var stream = _pool.TryPop(out var pooled) ? pooled.Stream : null;
        if (stream is null)
        {
            stream = CreateStream();
            Interlocked.Increment(ref _streamsCreated);
        }

        stream.LiveIndex = _live.Count;
        _live.Add(stream);
        return stream;
    }

    /// <summary>A rented stream that was never exposed (a refused or malformed request) goes straight back.</summary>
    protected void ReturnUnexposedLocked(Http2Stream stream)
    {
        RemoveLiveLocked(stream);
        stream.CompleteInboundWriter();
        stream.CompleteInboundReader();
        stream.CompleteOutboundWriter();
        stream.CompleteOutboundReader();
        stream.ResetForReuse();
        if (PhaseValue < Http2ConnectionPhase.Closing && _pool.Count < Options.MaxPooledStreams)
        {
            _pool.Push(stream);
        }
    }

    /// <summary>Enters a stream in the table (it now has an identifier and is open or half-closed).</summary>
    protected void TrackLocked(Http2Stream stream)
    {
        stream.Tracked = true;
        stream.OpenedAt = LoopTime.GetTimestamp(Options.Time); // for the rapid-reset guard, whose unit is a second
        _streams[stream.StreamId] = stream;
    }

    /// <summary>Counts a stream against the concurrent-stream limit (§5.1.2).</summary>
    protected void CountLocked(Http2Stream stream)
    {
        stream.Counted = true;
        ActiveStreamCount++;
    }

    protected bool TryGetStreamLocked(int streamId, out Http2Stream stream) => _streams.TryGetValue(streamId, out stream!);

    /// <summary>A stream that was refused or reset before it existed is remembered as reset by us (§5.1: later frames ignored).</summary>
    protected void RememberResetLocked(int streamId, bool endStream)
    {
        var state = default(Http2StreamStateMachine);
        state.OnReceive(Http2FrameType.Headers, endStream, out _);
        state.OnSend(Http2FrameType.RstStream, endStream: false);
        _closedStreams.Add(streamId, state);
    }

    /// <summary>A stream reset before it existed (refused by a stream error of its HEADERS) counts for the rapid reset guard.</summary>
    protected Http2Error CountPrematureResetLocked() => _resetGuard.OnStreamClosed(TimeSpan.Zero, reset: true);

    /// <summary>The stream's state may have reached closed (§5.1): then it leaves the table.</summary>
    protected void AfterStateChangeLocked(Http2Stream stream)
    {
        if (stream.State.State == Http2StreamState.Closed)
        {
            UntrackLocked(stream, reset: stream.State.ResetLocally);
        }
    }

    /// <summary>
    /// Takes a closed stream out of the table, into the closed-stream memory, and through the rapid
    /// reset guard (CVE-2023-44487; resets by either side count, CVE-2025-8671).
    /// </summary>
    protected void UntrackLocked(Http2Stream stream, bool reset)
    {
        if (stream.Tracked)
        {
            stream.Tracked = false;
            _streams.Remove(stream.StreamId);
            _closedStreams.Add(stream.StreamId, stream.State);
            if (stream.BlockedOnConnectionWindow)
            {
                stream.BlockedOnConnectionWindow = false;
                _blockedOnConnectionWindow.Remove(stream);
            }

            if (PhaseValue < Http2ConnectionPhase.Closing)
            {
                // Only a reset stream's lifetime counts (a premature reset): no clock read for the others.
                var error = _resetGuard.OnStreamClosed(reset ? Options.Time.GetElapsedTime(stream.OpenedAt) : TimeSpan.Zero, reset);
                if (error != Http2Error.None)
                {
                    FailLocked(error, abortive: false);
                }
            }
        }

        if (!stream.EndValue.IsEnded && !reset && stream.State.State == Http2StreamState.Closed)
        {
            stream.EndValue = new Http2StreamEnd(Http2StreamEndKind.Completed, Http2ErrorCode.NoError, stream.PeerHeadReceived, Http2Error.None);
        }

        UncountLocked(stream);
        CheckReleaseLocked(stream);
    }

    protected void UncountLocked(Http2Stream stream)
    {
        if (!stream.Counted)
        {
            return;
        }

        stream.Counted = false;
        ActiveStreamCount--;
        if (NotifiesOnStreamSlot)
        {
            Defer(Http2DeferredKind.NotifyOwner);
        }

        CheckDrainedLocked();
    }

    /// <summary>Whether the owner wants <see cref="OnStateChanged"/> each time a stream slot frees (client pools do).</summary>
    protected virtual bool NotifiesOnStreamSlot => false;

    /// <summary>
    /// Ends a stream before its time: RST_STREAM with <paramref name="code"/> when <paramref name="sendReset"/>
    /// and it is on the wire, output abandoned, inbound body marked aborted, the owner told. The first
    /// reason recorded is the one the owner sees.
    /// </summary>
    protected void AbortStreamLocked(Http2Stream stream, Http2StreamEnd end, bool sendReset, Http2ErrorCode code)
    {
        if (stream.Released)
        {
            return;
        }

        var firstEnd = !stream.EndValue.IsEnded;
        if (firstEnd)
        {
            stream.EndValue = end;
        }

        var resetSent = false;
        if (sendReset && stream.Tracked && !stream.State.ResetLocally && PhaseValue < Http2ConnectionPhase.Closing)
        {
            QueueRstLocked(stream.StreamId, code);
            stream.State.OnSend(Http2FrameType.RstStream, endStream: false);
            resetSent = true;
        }

        AbandonOutputLocked(stream);
        AbandonInputLocked(stream);
        if (firstEnd && end.Kind != Http2StreamEndKind.Completed)
        {
            Defer(Http2DeferredKind.SignalAborted, stream);
        }

        if (stream.Tracked)
        {
            // A NO_ERROR reset that only stops an unread request after a complete response (§8.1) is no premature reset.
            var premature = (resetSent && code != Http2ErrorCode.NoError) || end.Kind is Http2StreamEndKind.ResetByPeer or Http2StreamEndKind.ResetLocally;
            UntrackLocked(stream, reset: premature);
        }
        else
        {
            UncountLocked(stream);
            CheckReleaseLocked(stream);
        }
    }

    private void AbandonOutputLocked(Http2Stream stream)
    {
        if (stream.OutputEnded)
        {
            return;
        }

        stream.OutputEnded = true;
        stream.HeadPending = false;
        if (stream.BlockedOnConnectionWindow)
        {
            stream.BlockedOnConnectionWindow = false;
            _blockedOnConnectionWindow.Remove(stream);
        }

        if (!stream.WriterPinned)
        {
            Defer(Http2DeferredKind.CompleteOutboundReader, stream);
        }
    }

    private void AbandonInputLocked(Http2Stream stream)
    {
        if (stream.InputEnded)
        {
            return;
        }

        stream.InputEnded = true;
        stream.InboundAborted = true;
        if (!stream.ReaderPinned)
        {
            Defer(Http2DeferredKind.CompleteInboundWriter, stream);
        }
    }

    /// <summary>The reader loop is done with a stream it used outside the lock.</summary>
    protected void UnpinReaderLocked(Http2Stream stream, bool completedInbound)
    {
        stream.ReaderPinned = false;
        if (completedInbound)
        {
            stream.InboundWriterCompleted = true;
        }
        else if (stream.InputEnded && !stream.InboundWriterCompleted)
        {
            Defer(Http2DeferredKind.CompleteInboundWriter, stream);
        }

        CheckReleaseLocked(stream);
    }

    /// <summary>The owner (handler or forwarder) is done with the stream: whatever it left open is closed for it.</summary>
    protected void OwnerDoneLocked(Http2Stream stream)
    {
        stream.OwnerDone = true;
        if (stream.ResetWhileRunning)
        {
            stream.ResetWhileRunning = false;
            _resetGuard.OnResetWorkFinished();
        }

        Defer(Http2DeferredKind.CompleteOwnerEnds, stream);
    }

    /// <remarks>
    /// The writer end first: completing the reader end may release the stream at once (deferred
    /// work runs inline), and a released stream is reset and pooled — touching it after that
    /// would complete the writer of its next incarnation (found by retries over a pooled stream).
    /// </remarks>
    private void CompleteOwnerEnds(Http2Stream stream)
    {
        bool completeWriter;
        using (Sync.EnterScope())
        {
            completeWriter = !stream.OutboundWriterCompleted;
        }

        if (completeWriter)
        {
            stream.CompleteOutboundWriter();
            using (Sync.EnterScope())
            {
                stream.OutboundWriterCompleted = true;
                CheckReleaseLocked(stream);
            }
        }

        OnInboundReaderCompleted(stream);
    }

    /// <summary>Back to the pool once nobody holds the stream: protocol, owner, both loops, all four pipe ends.</summary>
    protected void CheckReleaseLocked(Http2Stream stream)
    {
        if (stream.Released || !stream.OwnerDone || stream.Tracked || stream.Counted || stream.Queued
            || stream.ReaderPinned || stream.WriterPinned || stream.HeadPending)
        {
            return;
        }

        if (!stream.InboundWriterCompleted || !stream.InboundReaderCompleted || !stream.OutboundWriterCompleted || !stream.OutboundReaderCompleted)
        {
            return;
        }

        stream.Released = true;
        Defer(Http2DeferredKind.Release, stream);
    }

    private void Release(Http2Stream stream)
    {
        using (Sync.EnterScope())
        {
            RemoveLiveLocked(stream);
        }

        stream.ResetForReuse();
        using (Sync.EnterScope())
        {
            if (PhaseValue < Http2ConnectionPhase.Closing && _pool.Count < Options.MaxPooledStreams)
            {
                _pool.Push(stream);
            }
        }
    }

    private void RemoveLiveLocked(Http2Stream stream)
    {
        var index = stream.LiveIndex;
        if (index < 0)
        {
            return;
        }

        var last = _live.Count - 1;
        if (index != last)
        {
            _live[index] = _live[last];
            _live[index].Stream.LiveIndex = index;
        }

        _live.RemoveAt(last);
        stream.LiveIndex = -1;
    }

    /// <summary>The owner consumed inbound bytes: their credit goes back (RFC 9113 §6.9), in batches.</summary>
    internal void OnInboundConsumed(Http2Stream stream, long bytes)
    {
        using (Sync.EnterScope())
        {
            stream.InboundBuffered = Math.Max(0, stream.InboundBuffered - bytes);
            ReturnCreditLocked(stream, (int)bytes);
        }

        RunDeferred();
    }

    /// <summary>The owner stopped reading: what it left unread is credited back, later DATA is dropped.</summary>
    internal void OnInboundReaderCompleted(Http2Stream stream)
    {
        using (Sync.EnterScope())
        {
            if (stream.InboundDiscard)
            {
                return;
            }

            stream.InboundDiscard = true;
            if (stream.InboundBuffered > 0)
            {
                ReturnConnectionCreditLocked((int)stream.InboundBuffered);
                stream.InboundBuffered = 0;
            }

            if (stream.InboundEndedAtHead)
            {
                // No pipe end to complete outside the lock.
                stream.InboundReaderCompleted = true;
                CheckReleaseLocked(stream);
            }
        }

        if (!stream.InboundEndedAtHead)
        {
            stream.CompleteInboundReader();
            using (Sync.EnterScope())
            {
                stream.InboundReaderCompleted = true;
                CheckReleaseLocked(stream);
            }
        }

        RunDeferred();
    }

    /// <summary>The owner flushed outbound data: the writer has work.</summary>
    internal void OnOutboundData(Http2Stream stream)
    {
        using (Sync.EnterScope())
        {
            ScheduleLocked(stream);
        }

        RunDeferred();
    }

    /// <summary>
    /// The owner completed the outbound body: normally, END_STREAM (or the trailers) follow the data;
    /// with an exception, the stream is reset (INTERNAL_ERROR) so a cut body never looks whole.
    /// </summary>
    internal void OnOutboundCompleted(Http2Stream stream, Exception? exception)
    {
        using (Sync.EnterScope())
        {
            if (stream.OutboundWriterCompleted)
            {
                return;
            }

            if (exception is not null)
            {
                AbortStreamLocked(
                    stream,
                    new Http2StreamEnd(Http2StreamEndKind.ResetLocally, Http2ErrorCode.InternalError, stream.PeerHeadReceived, Http2Error.None),
                    sendReset: true,
                    Http2ErrorCode.InternalError);
            }
            else if (!stream.OutputEnded)
            {
                stream.OutboundCompleteRequested = true;
            }

            if (stream.OutboundWhole)
            {
                // No pipe end to complete outside the lock.
                stream.OutboundWriterCompleted = true;
                ScheduleLocked(stream);
                CheckReleaseLocked(stream);
            }
        }

        if (!stream.OutboundWhole)
        {
            stream.CompleteOutboundWriter();
            using (Sync.EnterScope())
            {
                stream.OutboundWriterCompleted = true;
                ScheduleLocked(stream);
                CheckReleaseLocked(stream);
            }
        }

        RunDeferred();
    }

    /// <summary>Resets a stream on the owner's request (RST_STREAM with <paramref name="code"/>).</summary>
    internal void ResetStream(Http2Stream stream, Http2ErrorCode code)
    {
        using (Sync.EnterScope())
        {
            AbortStreamLocked(stream, new Http2StreamEnd(Http2StreamEndKind.ResetLocally, code, stream.PeerHeadReceived, Http2Error.None), sendReset: true, code);
        }

        RunDeferred();
    }
}
