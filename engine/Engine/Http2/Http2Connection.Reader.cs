using System.Buffers;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Http2;

/// <summary>
/// The reader loop: frames in, in the order the codec's README gives (first frame, field block
/// contiguity, flood guards, then by type and stream state). Everything here runs on one thread and
/// never waits: per-frame work is synchronous, answers go to the control buffer.
/// </summary>
internal abstract partial class Http2Connection
{
    private readonly HpackDecoder _decoder;
    private readonly Http2HeaderBlockAssembler _assembler;
    private readonly Http2EmptyFrameGuard _emptyFrames;
    private readonly Http2PriorityGuard _priorities;
    private readonly Http2WindowUpdateGuard _windowUpdates;
    private readonly Http2RapidResetGuard _resetGuard;
    private readonly HttpTrailers _skipScratch = new();
    private HeadBlockMemo<HttpTrailers>? _repeatedTrailers; // made at the first trailers: gRPC answers repeat theirs
    private bool _peerSettingsSeen;
    private Http2BlockTarget _blockTarget;
    private Http2Stream? _blockStream;

    /// <summary>The HPACK decoder of the peer's field blocks (reader loop only).</summary>
    protected HpackDecoder Decoder => _decoder;

    /// <summary>Where the block being assembled goes (the server sets NewStream for a request).</summary>
    protected void SetBlockTarget(Http2BlockTarget target, Http2Stream? stream)
    {
        _blockTarget = target;
        _blockStream = stream;
    }

    private async Task ReadLoopAsync()
    {
        if (Ids.IsServer && !await ReadPrefaceAsync().ConfigureAwait(false))
        {
            return;
        }

        while (true)
        {
            var read = await _input.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            if (Phase >= Http2ConnectionPhase.Closing)
            {
                // Closing: read and drop until the peer closes or the linger ends, so our last frames
                // are read rather than lost to a reset (a socket closed with unread input resets).
                _input.AdvanceTo(buffer.End);
                if (read.IsCompleted || _lingerExpired || Phase == Http2ConnectionPhase.Closed)
                {
                    return;
                }

                continue;
            }

            BeginBatch();
            Http2Error error;
            try
            {
                error = ReadFrames(ref buffer);
            }
            finally
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                OnFramesRead();
                EndBatch();
            }

            if (error != Http2Error.None)
            {
                Abort(error);
                continue;
            }

            if (read.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Every frame of one read was handled (still within the batch: what this queues leaves with
    /// the batch's answers).
    /// </summary>
    protected virtual void OnFramesRead()
    {
    }

    /// <summary>§3.4: the client preface, which the listener only peeked at. An invalid one is a connection error PROTOCOL_ERROR.</summary>
    private async ValueTask<bool> ReadPrefaceAsync()
    {
        while (true)
        {
            var read = await _input.ReadAsync().ConfigureAwait(false);
            var buffer = read.Buffer;
            var result = Http2Preface.TryReadPreface(buffer, out var consumed);
            if (result == ProtocolSniffResult.Http2)
            {
                _input.AdvanceTo(consumed);
                using (Sync.EnterScope())
                {
                    QueueLocalSettingsLocked();
                }

                RunDeferred();
                return true;
            }

            if (result == ProtocolSniffResult.Incomplete && !read.IsCompleted && !read.IsCanceled)
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            _input.AdvanceTo(buffer.End);
            if (result == ProtocolSniffResult.Incomplete)
            {
                return false;
            }

            Abort(Http2Error.InvalidPreface);
            return true;
        }
    }

    private Http2Error ReadFrames(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            var status = Http2FrameReader.TryReadFrame(buffer, Limits.MaxFrameSize, out var frame, out var consumed, out var error);
            switch (status)
            {
                case Http2ReadStatus.Incomplete:
                    return Http2Error.None;
                case Http2ReadStatus.ConnectionError:
                    return error;
                case Http2ReadStatus.StreamError:
                    error = OnStreamErrorFrame(frame, error);
                    break;
                default:
                    error = OnFrame(frame);
                    break;
            }

            if (error != Http2Error.None)
            {
                return error;
            }

            buffer = buffer.Slice(consumed);
            if (PhaseValue >= Http2ConnectionPhase.Closing)
            {
                return Http2Error.None;
            }
        }
    }

    private Http2Error OnFrame(in Http2Frame frame)
    {
        var error = CheckFrameOrder(frame);
        if (error != Http2Error.None)
        {
            return error;
        }

        return frame.Type switch
        {
            Http2FrameType.Data => OnData(frame),
            Http2FrameType.Headers => OnHeaders(frame, Http2Error.None),
            Http2FrameType.Continuation => OnContinuation(frame),
            Http2FrameType.Priority => OnPriority(),
            Http2FrameType.RstStream => OnRstStream(frame),
            Http2FrameType.Settings => OnSettings(frame),
            Http2FrameType.Ping => OnPing(frame),
            Http2FrameType.GoAway => OnGoAway(frame),
            Http2FrameType.WindowUpdate => OnWindowUpdate(frame),

            // §5.5: frames of unknown types are ignored (the assembler already refused one inside a block).
            _ => Http2Error.None,
        };
    }

    /// <summary>§3.4 first frame, §6.10 block contiguity, CVE-2019-9518 empty frames: before anything else.</summary>
    private Http2Error CheckFrameOrder(in Http2Frame frame)
    {
        if (!_peerSettingsSeen)
        {
            var first = Http2Preface.CheckFirstFrame(frame);
            if (first != Http2Error.None)
            {
                return first;
            }

            _peerSettingsSeen = true;
        }

        var error = _assembler.CheckSequence(frame.Header);
        return error != Http2Error.None ? error : _emptyFrames.OnFrame(frame);
    }

    /// <summary>
    /// A frame the codec found breaks a per-stream rule (PRIORITY length or self-dependency, zero
    /// WINDOW_UPDATE on a stream): RST_STREAM — but a HEADERS frame's block is still decoded first
    /// (§4.3), and on an idle stream, where RST_STREAM may not be sent (§6.4), it is a connection error.
    /// </summary>
    private Http2Error OnStreamErrorFrame(in Http2Frame frame, Http2Error error)
    {
        var order = CheckFrameOrder(frame);
        if (order != Http2Error.None)
        {
            return order;
        }

        if (frame.Type == Http2FrameType.Headers)
        {
            return OnHeaders(frame, error);
        }

        if (frame.Type == Http2FrameType.Priority)
        {
            var flood = OnPriority();
            if (flood != Http2Error.None)
            {
                return flood;
            }
        }

        using (Sync.EnterScope())
        {
            if (TryGetStreamLocked(frame.StreamId, out var stream))
            {
                StreamErrorLocked(stream, error);
                return Http2Error.None;
            }

            if (IsIdleLocked(frame.StreamId))
            {
                return error;
            }

            QueueRstLocked(frame.StreamId, Http2ErrorTable.CodeFor(error));
            return Http2Error.None;
        }
    }

    private bool IsIdleLocked(int streamId)
        => Ids.IsPeerInitiated(streamId) ? streamId > Ids.LastPeerStreamId : streamId > Ids.LastLocalStreamId;

    /// <summary>A stream error on a stream in the table: RST_STREAM with the error's code (§5.4.2).</summary>
    protected void StreamErrorLocked(Http2Stream stream, Http2Error error)
    {
        var code = Http2ErrorTable.CodeFor(error);
        AbortStreamLocked(stream, new Http2StreamEnd(Http2StreamEndKind.ResetLocally, code, stream.PeerHeadReceived, error), sendReset: true, code);
    }

    /// <summary>
    /// A frame for a stream not in the table: one that closed lately is judged by its last state
    /// (§5.1: STREAM_CLOSED after a normal close, ignored after our reset); otherwise the codec's
    /// rules for idle and forgotten streams apply.
    /// </summary>
    private Http2Error OnUntrackedFrameLocked(Http2FrameType type, int streamId, bool endStream)
    {
        var index = _closedStreams.IndexOf(streamId);
        if (index >= 0)
        {
            ref var state = ref _closedStreams.StateAt(index);
            if (state.OnReceive(type, endStream, out var error) != Http2StreamAction.Reject)
            {
                return Http2Error.None;
            }

            if (Http2ErrorTable.IsConnectionError(error))
            {
                return error;
            }

            QueueRstLocked(streamId, Http2ErrorTable.CodeFor(error));
            state.OnSend(Http2FrameType.RstStream, endStream: false);

            // MadeYouReset (CVE-2025-8671): resets the peer makes us send count like its own.
            return _resetGuard.OnStreamClosed(TimeSpan.Zero, reset: true);
        }

        var verdict = Ids.OnUntrackedStream(type, streamId, out var idError);
        return verdict == Http2StreamAction.Reject ? idError : Http2Error.None;
    }

    private Http2Error OnData(in Http2Frame frame)
    {
        var payloadLength = (int)frame.Payload.Length;
        var endStream = frame.EndStream;
        Http2Stream? stream;
        bool discard;
        using (Sync.EnterScope())
        {
            // §6.9.1: DATA counts against the connection window whatever happens to it next.
            if (!_receiveWindow.TryReceive(frame.Length))
            {
                return Http2Error.ConnectionFlowControlExceeded;
            }

            if (!TryGetStreamLocked(frame.StreamId, out stream))
            {
                ReturnConnectionCreditLocked(frame.Length);
                return OnUntrackedFrameLocked(Http2FrameType.Data, frame.StreamId, endStream);
            }

            var action = stream.State.OnReceive(Http2FrameType.Data, endStream, out var error);
            if (action != Http2StreamAction.Process)
            {
                ReturnConnectionCreditLocked(frame.Length);
                if (action == Http2StreamAction.Reject)
                {
                    StreamErrorLocked(stream, error);
                }

                return Http2Error.None;
            }

            if (!stream.ReceiveWindow.TryReceive(frame.Length))
            {
                ReturnConnectionCreditLocked(frame.Length);
                StreamErrorLocked(stream, Http2Error.StreamFlowControlExceeded);
                return Http2Error.None;
            }

            error = stream.InboundLength.OnData(payloadLength, endStream);
            if (error != Http2Error.None)
            {
                // §8.1.1: content-length and DATA disagree: malformed (what stops H2.CL smuggling).
                ReturnConnectionCreditLocked(frame.Length);
                StreamErrorLocked(stream, error);
                return Http2Error.None;
            }

            // Padding is never passed on (§6.1): its credit goes back now.
            var padding = frame.Length - payloadLength;
            if (padding > 0)
            {
                ReturnCreditLocked(stream, padding);
            }

            discard = stream.InboundDiscard;
            if (discard)
            {
                ReturnCreditLocked(stream, payloadLength);
            }
            else
            {
                stream.InboundBuffered += payloadLength;
            }

            if (endStream)
            {
                // The state moves before the body completes: its reader may look at End at once.
                stream.InputEnded = true;
                AfterStateChangeLocked(stream);
            }

            stream.ReaderPinned = true;
        }

        if (!discard && payloadLength > 0)
        {
            var writer = stream.InboundPipe.Writer;
            foreach (var segment in frame.Payload)
            {
                writer.Write(segment.Span);
            }

            var flush = writer.FlushAsync();
            if (!flush.IsCompleted)
            {
                // The inbound pipe never applies back-pressure (flow control bounds it); kept for safety.
                _ = flush.AsTask();
            }
        }

        if (endStream)
        {
            stream.InboundPipe.Writer.Complete();
        }

        using (Sync.EnterScope())
        {
            UnpinReaderLocked(stream, completedInbound: endStream);
        }

        RunDeferred();
        return Http2Error.None;
    }

    private Http2Error OnHeaders(in Http2Frame frame, Http2Error forcedError)
    {
        var error = _assembler.Add(frame);
        if (error != Http2Error.None)
        {
            return error;
        }

        using (Sync.EnterScope())
        {
            error = StartBlockLocked(frame, forcedError);
        }

        RunDeferred();
        if (error != Http2Error.None)
        {
            return error;
        }

        return _assembler.IsComplete ? FinishBlock() : Http2Error.None;
    }

    private Http2Error OnContinuation(in Http2Frame frame)
    {
        var error = _assembler.Add(frame);
        if (error != Http2Error.None)
        {
            return error;
        }

        return _assembler.IsComplete ? FinishBlock() : Http2Error.None;
    }

    /// <summary>Decides, at the HEADERS frame, what its block will be decoded into (§5.1 state of the stream).</summary>
    private Http2Error StartBlockLocked(in Http2Frame frame, Http2Error forcedError)
    {
        var streamId = frame.StreamId;
        SetBlockTarget(Http2BlockTarget.Skip, null);
        if (TryGetStreamLocked(streamId, out var stream))
        {
            var action = stream.State.OnReceive(Http2FrameType.Headers, frame.EndStream, out var error);
            if (action == Http2StreamAction.Reject)
            {
                StreamErrorLocked(stream, error);
            }
            else if (action == Http2StreamAction.Process && forcedError != Http2Error.None)
            {
                StreamErrorLocked(stream, forcedError);
            }
            else if (action == Http2StreamAction.Process)
            {
                stream.ReaderPinned = true;
                SetBlockTarget(Http2BlockTarget.Stream, stream);
            }

            return Http2Error.None;
        }

        // A new stream's identifier is above every one used so far: no need to search the ring of
        // closed streams for it (a 128-entry scan on every request's HEADERS, ~340 instructions).
        if (!Ids.IsIdle(streamId) && _closedStreams.IndexOf(streamId) >= 0)
        {
            return OnUntrackedFrameLocked(Http2FrameType.Headers, streamId, frame.EndStream);
        }

        var verdict = Ids.OnUntrackedStream(Http2FrameType.Headers, streamId, out var idError);
        return verdict switch
        {
            Http2StreamAction.Reject => idError,
            Http2StreamAction.Ignore => Http2Error.None,
            _ => OnNewPeerStreamLocked(frame, forcedError),
        };
    }

    /// <summary>A HEADERS frame opened a new peer stream (server): decide to accept, refuse (§5.1.2) or reset it.</summary>
    protected abstract Http2Error OnNewPeerStreamLocked(in Http2Frame frame, Http2Error forcedError);

    /// <summary>The complete block of a new peer stream (the stream is not visible to anyone else yet).</summary>
    protected abstract Http2Error OnNewStreamBlock(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream);

    /// <summary>
    /// The complete block of a stream in the table (pinned by the reader): trailers, or a client's
    /// response head. <paramref name="completedInbound"/>: the block ended the inbound message and the
    /// inbound pipe's writer was completed.
    /// </summary>
    protected abstract Http2Error OnStreamBlock(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream, out bool completedInbound);

    private Http2Error FinishBlock()
    {
        var block = _assembler.Block;
        var endStream = _assembler.EndStream;
        var target = _blockTarget;
        var stream = _blockStream;
        SetBlockTarget(Http2BlockTarget.None, null);
        Http2Error error;
        switch (target)
        {
            case Http2BlockTarget.NewStream:
                error = OnNewStreamBlock(stream!, block, endStream);
                break;
            case Http2BlockTarget.Stream:
                error = OnStreamBlock(stream!, block, endStream, out var completed);
                using (Sync.EnterScope())
                {
                    UnpinReaderLocked(stream!, completed);
                    AfterStateChangeLocked(stream!);
                }

                break;
            default:
                error = Http2HeadDecoder.Skip(_decoder, block, _skipScratch);
                break;
        }

        _assembler.Reset();
        RunDeferred();
        return error;
    }

    /// <summary>
    /// Trailers of a stream's inbound message (§8.1): they must end the stream, and the DATA before
    /// them must match content-length. Bad trailers reset the stream; a COMPRESSION_ERROR ends the connection.
    /// </summary>
    protected Http2Error DecodeInboundTrailers(Http2Stream stream, ReadOnlySpan<byte> block, bool endStream, out bool completedInbound)
    {
        completedInbound = false;
        var error = Http2HeadDecoder.DecodeTrailers(_decoder, block, stream.InboundTrailers, endStream, Limits, _repeatedTrailers ??= new());
        if (error != Http2Error.None && Http2ErrorTable.IsConnectionError(error))
        {
            return error;
        }

        using (Sync.EnterScope())
        {
            if (error == Http2Error.None)
            {
                error = stream.InboundLength.OnEndStream();
            }

            if (error != Http2Error.None)
            {
                StreamErrorLocked(stream, error);
                return Http2Error.None;
            }

            stream.InputEnded = true;
            stream.HasInboundTrailers = true;
            AfterStateChangeLocked(stream);
        }

        stream.InboundPipe.Writer.Complete();
        completedInbound = true;
        return Http2Error.None;
    }

    private Http2Error OnPriority()
    {
        using (Sync.EnterScope())
        {
            // Priorities are ignored (§5.3.2 deprecates them) but still counted (CVE-2019-9513).
            return _priorities.OnPriorityFrame();
        }
    }

    private Http2Error OnRstStream(in Http2Frame frame)
    {
        Http2Error error;
        using (Sync.EnterScope())
        {
            if (!TryGetStreamLocked(frame.StreamId, out var stream))
            {
                error = OnUntrackedFrameLocked(Http2FrameType.RstStream, frame.StreamId, endStream: false);
            }
            else if (stream.State.OnReceive(Http2FrameType.RstStream, endStream: false, out error) != Http2StreamAction.Process)
            {
                error = Http2Error.None;
            }
            else
            {
                // A reset after the peer's message ended, with NO_ERROR, only stops our side early (§8.1).
                var remoteEnded = stream.InputEnded && !stream.InboundAborted;
                var kind = remoteEnded && frame.ErrorCode == Http2ErrorCode.NoError ? Http2StreamEndKind.Completed : Http2StreamEndKind.ResetByPeer;
                error = Http2Error.None;
                if (Ids.IsServer && !stream.OwnerDone && kind != Http2StreamEndKind.Completed)
                {
                    // The client's slot is free at once but our work goes on: cap such streams (robustness.md §3.3).
                    stream.ResetWhileRunning = true;
                    error = _resetGuard.OnResetWhileRunning();
                }

                AbortStreamLocked(stream, new Http2StreamEnd(kind, frame.ErrorCode, stream.PeerHeadReceived, Http2Error.None), sendReset: false, Http2ErrorCode.NoError);
            }
        }

        RunDeferred();
        return error;
    }

    private Http2Error OnSettings(in Http2Frame frame)
    {
        if (frame.IsAck)
        {
            // We never change our SETTINGS after the first, so an ACK changes nothing (README step 7).
            return Http2Error.None;
        }

        Http2Error error;
        using (Sync.EnterScope())
        {
            error = _peerSettings.Apply(frame.Payload, receivedByClient: !Ids.IsServer, out var delta);
            if (error == Http2Error.None && delta != 0)
            {
                error = AdjustStreamWindowsLocked(delta);
            }

            if (error == Http2Error.None)
            {
                // §6.5.3: the values are in use before the ACK goes out; the encoder sees the new table size on its next block.
                _pendingEncoderTableSize = _peerSettings.HeaderTableSize;
                QueueSettingsAckLocked();
                OnPeerSettingsLocked();
            }
        }

        RunDeferred();
        return error;
    }

    /// <summary>The peer's SETTINGS were applied (client: MAX_CONCURRENT_STREAMS is the pool's capacity).</summary>
    protected virtual void OnPeerSettingsLocked()
    {
    }

    private Http2Error OnPing(in Http2Frame frame)
    {
        using (Sync.EnterScope())
        {
            if (frame.IsAck)
            {
                OnPingAckLocked(frame.PingData);
            }
            else
            {
                QueuePingAckLocked(frame.PingData);
            }
        }

        RunDeferred();
        return Http2Error.None;
    }

    /// <summary>The peer acknowledged a PING (§6.7) with this opaque data: ours, or one it made up (ignored).</summary>
    protected virtual void OnPingAckLocked(ulong data)
    {
    }

    private Http2Error OnGoAway(in Http2Frame frame)
    {
        using (Sync.EnterScope())
        {
            OnPeerGoAwayLocked(frame.LastStreamId, frame.ErrorCode);
        }

        RunDeferred();
        return Http2Error.None;
    }

    /// <summary>
    /// The peer sent GOAWAY (§6.8): no new streams either way; those it did not process are retried
    /// elsewhere (client); the connection closes when the rest are done.
    /// </summary>
    protected virtual void OnPeerGoAwayLocked(int lastStreamId, Http2ErrorCode code)
    {
        if (PhaseValue == Http2ConnectionPhase.Open)
        {
            PhaseValue = Http2ConnectionPhase.Draining;
            Defer(Http2DeferredKind.NotifyOwner);
        }

        CheckDrainedLocked();
    }

    private Http2Error OnWindowUpdate(in Http2Frame frame)
    {
        Http2Error error;
        using (Sync.EnterScope())
        {
            error = _windowUpdates.OnWindowUpdate();
            if (error != Http2Error.None)
            {
                return error;
            }

            if (frame.StreamId == 0)
            {
                error = OnConnectionWindowUpdateLocked(frame.WindowIncrement);
            }
            else if (TryGetStreamLocked(frame.StreamId, out var stream))
            {
                if (stream.State.OnReceive(Http2FrameType.WindowUpdate, endStream: false, out _) == Http2StreamAction.Process
                    && !OnStreamWindowUpdateLocked(stream, frame.WindowIncrement))
                {
                    StreamErrorLocked(stream, Http2Error.StreamWindowOverflow);
                }
            }
            else
            {
                error = OnUntrackedFrameLocked(Http2FrameType.WindowUpdate, frame.StreamId, endStream: false);
            }
        }

        RunDeferred();
        return error;
    }

    /// <summary>Counts a stream the peer opened (the PRIORITY and WINDOW_UPDATE flood allowances grow with streams).</summary>
    protected void OnPeerStreamOpenedLocked()
    {
        _priorities.OnStreamOpened();
        _windowUpdates.OnStreamOpened();
    }

    /// <summary>Counts a stream we opened.</summary>
    protected void OnLocalStreamOpenedLocked() => _windowUpdates.OnStreamOpened();
}
