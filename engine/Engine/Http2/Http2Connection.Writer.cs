using System.Buffers;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http2;
using Engine.Proxy;

namespace Engine.Http2;

/// <summary>
/// The writer loop: the only code that writes to the socket pipe and the only user of the HPACK
/// encoder, so field blocks are encoded in the order they go on the wire (RFC 7541 §2.3.2). Each
/// pass copies the control buffer out, then gives each stream with output a turn: its head, then
/// DATA within the connection and stream windows (§6.9.1), then END_STREAM or trailers. A pass
/// ends in one flush (batching); a stream without window is parked, so a stalled peer stream never
/// holds up the others.
/// </summary>
internal abstract partial class Http2Connection
{
    private readonly HpackEncoder _encoder;
    private readonly Queue<Http2StreamSlot> _ready = new();
    private int _maxFrameSize = Http2Settings.MinMaxFrameSize;

    private enum WritePassResult : byte
    {
        /// <summary>Nothing to write.</summary>
        Idle,

        /// <summary>Wrote; nothing more waiting.</summary>
        Wrote,

        /// <summary>Wrote, and more is waiting (batch full or new work arrived).</summary>
        More,

        /// <summary>Closing: the last frames are written; flush and close the output.</summary>
        Finish,

        /// <summary>The connection is closed: stop.</summary>
        Stop,
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _writerSignal.WaitAsync().ConfigureAwait(false);
                while (true)
                {
                    var pass = WritePass();
                    if (pass == WritePassResult.Stop)
                    {
                        return;
                    }

                    if (pass == WritePassResult.Idle)
                    {
                        break;
                    }

                    var flush = await _output.FlushAsync().ConfigureAwait(false);
                    using (Sync.EnterScope())
                    {
                        _budget.OnFlushed();
                    }

                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        return;
                    }

                    if (pass == WritePassResult.Finish)
                    {
                        return;
                    }

                    if (pass != WritePassResult.More)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (ProxyExceptions.IsConnectionFailure(e))
        {
            // The peer is gone; the reader learns it below.
        }
        finally
        {
            await _output.CompleteAsync().ConfigureAwait(false);
            OnWriterEnded();
        }
    }

    /// <summary>The output is closed: if the reader still waits for input, it stops (after a linger when closing politely).</summary>
    private void OnWriterEnded()
    {
        bool wakeReader;
        using (Sync.EnterScope())
        {
            wakeReader = PhaseValue < Http2ConnectionPhase.Closing;
            if (wakeReader)
            {
                PhaseValue = Http2ConnectionPhase.Closed;
                Defer(Http2DeferredKind.AbortAll);
                Defer(Http2DeferredKind.NotifyOwner);
            }
        }

        RunDeferred();
        if (wakeReader)
        {
            _input.CancelPendingRead();
        }
    }

    private WritePassResult WritePass()
    {
        var start = _output.CanGetUnflushedBytes ? _output.UnflushedBytes : 0;
        var wroteControl = false;
        int streams;
        using (Sync.EnterScope())
        {
            if (PhaseValue == Http2ConnectionPhase.Closed)
            {
                return WritePassResult.Stop;
            }

            if (_control.WrittenCount > 0)
            {
                _output.Write(_control.WrittenSpan);
                _control.ResetWrittenCount();
                wroteControl = true;
            }

            if (_pendingEncoderTableSize >= 0)
            {
                _encoder.SetPeerMaxTableSize((uint)_pendingEncoderTableSize);
                _pendingEncoderTableSize = -1;
            }

            _maxFrameSize = _peerSettings.MaxFrameSize;
            if (PhaseValue == Http2ConnectionPhase.Closing)
            {
                // Every stream was aborted or had finished: nothing of theirs goes out any more.
                while (_ready.TryDequeue(out var slot))
                {
                    var abandoned = slot.Stream;
                    abandoned.Queued = false;
                    CheckReleaseLocked(abandoned);
                }

                return WritePassResult.Finish;
            }

            streams = _ready.Count;
        }

        for (var i = 0; i < streams; i++)
        {
            Http2Stream stream;
            using (Sync.EnterScope())
            {
                if (!_ready.TryDequeue(out var slot))
                {
                    break;
                }

                stream = slot.Stream;

                stream.Queued = false;
                if (stream.OutputEnded || stream.Released)
                {
                    CheckReleaseLocked(stream);
                    continue;
                }

                stream.WriterPinned = true;
            }

            WriteStream(stream);
            if (_output.CanGetUnflushedBytes && _output.UnflushedBytes - start >= Options.MaxBatchBytes)
            {
                break;
            }
        }

        RunDeferred();
        bool more;
        using (Sync.EnterScope())
        {
            more = _ready.Count > 0 || _control.WrittenCount > 0 || PhaseValue >= Http2ConnectionPhase.Closing;
        }

        var wrote = wroteControl || !_output.CanGetUnflushedBytes || _output.UnflushedBytes > start;
        return more ? WritePassResult.More : wrote ? WritePassResult.Wrote : WritePassResult.Idle;
    }

    /// <summary>One turn of one stream (pinned): its head, then DATA within the windows, then the end of its message.</summary>
    private void WriteStream(Http2Stream stream)
    {
        var finished = WriteHeadIfPending(stream);
        long turn = 0;
        while (!finished && turn < Options.MaxBytesPerStreamTurn)
        {
            using (Sync.EnterScope())
            {
                if (!stream.HeadSent || stream.OutputEnded)
                {
                    break;
                }
            }

            if (!stream.TryPeekOutbound(out var buffer, out var completed))
            {
                break;
            }

            var send = 0;
            var last = false;
            var trailers = false;
            var stop = false;
            using (Sync.EnterScope())
            {
                var end = completed && stream.OutboundCompleteRequested;
                var hasTrailers = stream.TrailersPending && stream.OutboundTrailers.HeaderCount > 0;
                if (stream.OutputEnded || (buffer.IsEmpty && !end))
                {
                    stop = true;
                }
                else if (buffer.IsEmpty)
                {
                    last = true;
                    trailers = hasTrailers;
                    stream.State.OnSend(trailers ? Http2FrameType.Headers : Http2FrameType.Data, endStream: true);
                }
                else
                {
                    var window = Math.Min(_sendWindow.Available, stream.SendWindow.Available);
                    send = (int)Math.Clamp(Math.Min(buffer.Length, window), 0, Options.MaxBytesPerStreamTurn - turn);
                    if (send == 0)
                    {
                        ParkLocked(stream);
                        stop = true;
                    }
                    else
                    {
                        _sendWindow.Consume(send);
                        stream.SendWindow.Consume(send);
                        last = end && send == buffer.Length && !hasTrailers;
                        stream.State.OnSend(Http2FrameType.Data, last);
                        for (var frames = (send + _maxFrameSize - 1) / _maxFrameSize; frames > 0; frames--)
                        {
                            _windowUpdates.OnDataFrameSent();
                        }
                    }
                }

                if (last)
                {
                    stream.OutputEnded = true;
                    stream.OutputFinished = true;
                }
            }

            if (stop)
            {
                // Examined nothing: the same bytes come back on the stream's next turn.
                stream.ConsumeOutbound(buffer, 0);
                break;
            }

            if (send > 0)
            {
                Http2FrameWriter.WriteData(_output, stream.StreamId, buffer.Slice(0, send), last, _maxFrameSize);
            }
            else if (trailers)
            {
                Http2HeadWriter.WriteTrailers(_output, stream.StreamId, stream.OutboundTrailers, _encoder, _maxFrameSize);
            }
            else if (last)
            {
                Http2FrameWriter.WriteDataHeader(_output, stream.StreamId, 0, endStream: true);
            }

            stream.ConsumeOutbound(buffer, send);
            turn += send;
            finished = last;
        }

        EndTurn(stream, finished, requeue: turn >= Options.MaxBytesPerStreamTurn);
    }

    /// <summary>
    /// Writes the stream's head when one is pending. When the body is already complete and empty
    /// (a head-only answer), END_STREAM rides on the HEADERS frame instead of an empty DATA frame.
    /// Returns whether the stream's output is finished.
    /// </summary>
    private bool WriteHeadIfPending(Http2Stream stream)
    {
        bool endStream;
        using (Sync.EnterScope())
        {
            if (!stream.HeadPending || stream.OutputEnded || !PrepareHeadLocked(stream))
            {
                return false;
            }

            stream.HeadPending = false;
            endStream = stream.HeadEndStream || (stream.OutboundCompleteRequested && !stream.TrailersPending && IsOutboundDoneAndEmpty(stream));
            stream.State.OnSend(Http2FrameType.Headers, endStream);
            stream.HeadSent = true;
            if (endStream)
            {
                stream.OutputEnded = true;
                stream.OutputFinished = true;
            }
        }

        stream.WriteHead(_output, _encoder, endStream, _maxFrameSize);
        return endStream;
    }

    private static bool IsOutboundDoneAndEmpty(Http2Stream stream)
    {
        if (!stream.TryPeekOutbound(out var buffer, out var completed))
        {
            return false;
        }

        var done = completed && buffer.IsEmpty;
        stream.ConsumeOutbound(buffer, 0);
        return done;
    }

    /// <summary>
    /// Before a stream's head is written (lock): a client stream takes its identifier now, so
    /// identifiers go on the wire in increasing order (§5.1.1). False: the stream cannot be sent (aborted).
    /// </summary>
    protected virtual bool PrepareHeadLocked(Http2Stream stream) => true;

    /// <summary>The stream's output ended with END_STREAM (lock): a server may now stop an unread request (§8.1).</summary>
    protected virtual void OnOutputFinishedLocked(Http2Stream stream)
    {
    }

    private void EndTurn(Http2Stream stream, bool finished, bool requeue)
    {
        bool completeReader;
        using (Sync.EnterScope())
        {
            stream.WriterPinned = false;
            if (finished)
            {
                AfterStateChangeLocked(stream);
                OnOutputFinishedLocked(stream);
            }
            else if (requeue)
            {
                ScheduleLocked(stream);
            }

            completeReader = stream.OutputEnded && !stream.OutboundReaderCompleted;
            if (completeReader && stream.OutboundWhole)
            {
                stream.OutboundReaderCompleted = true; // no pipe end to complete
                completeReader = false;
            }

            if (!completeReader)
            {
                CheckReleaseLocked(stream);
            }
        }

        if (completeReader)
        {
            stream.CompleteOutboundReader();
            using (Sync.EnterScope())
            {
                stream.OutboundReaderCompleted = true;
                CheckReleaseLocked(stream);
            }
        }

        RunDeferred();
    }
}
