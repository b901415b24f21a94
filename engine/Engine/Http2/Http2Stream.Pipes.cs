using System.Buffers;
using Engine.Transport.Epoll;

namespace Engine.Http2;

/// <summary>
/// The stream's two body pipes (<see cref="SocketPipe"/>s: a lock per step instead of
/// <see cref="System.IO.Pipelines.Pipe"/>'s lock per write, read and advance), used only when a body needs one. Most proxied requests end on
/// their HEADERS frame and most answers arrive whole and small: for those, each pipe would cost
/// its locks (write, flush, read, advance, two completions) and a reset before the stream object
/// is reused — ~2,000 instructions of a ~47,000-instruction h2c request. So a request that ended
/// at its head reads as an empty body without its pipe, and a whole answer's body waits in one
/// pooled block for the writer instead of in the outbound pipe. A pipe that was used at all is
/// reset on reuse; one that was not is left as it is.
/// </summary>
internal abstract partial class Http2Stream
{
    private readonly SocketPipe _inboundPipe;
    private readonly SocketPipe _outboundPipe;
    private bool _inboundPipeUsed;
    private bool _outboundPipeUsed;
    private IMemoryOwner<byte>? _wholeBody;
    private int _wholeBodyLength;
    private int _wholeBodySent;

    /// <summary>The inbound body's pipe (any use marks it for a reset when the stream is reused).</summary>
    internal SocketPipe InboundPipe
    {
        get
        {
            _inboundPipeUsed = true;
            return _inboundPipe;
        }
    }

    /// <summary>The outbound body's pipe (any use marks it for a reset when the stream is reused).</summary>
    internal SocketPipe OutboundPipe
    {
        get
        {
            _outboundPipeUsed = true;
            return _outboundPipe;
        }
    }

    /// <summary>
    /// The peer's head carried END_STREAM and the owner had not seen the stream yet: the inbound
    /// body is empty and complete, and is read as such without the pipe. Set before the stream is
    /// handed to its owner and not changed until the stream is reused, so it is read without the lock.
    /// </summary>
    internal bool InboundEndedAtHead;

    /// <summary>
    /// The owner handed the whole outbound message over at once: a head that ends the stream (no
    /// body), or a head and a body that waits in one pooled block (<see cref="TryHoldWholeBody"/>),
    /// not in the pipe. Set under the lock with the head it goes with, so the writer, which reads
    /// the body only after the head, sees it; not changed until the stream is reused.
    /// </summary>
    internal bool OutboundWhole;

    /// <summary>For the owner queuing a head (under the lock): true when the head ends the message and no body went into the pipe.</summary>
    internal bool EndsAtHead(bool endStream) => endStream && !_outboundPipeUsed;

    /// <summary>Completes the inbound pipe's writer end (nothing to do when the body ended at the head).</summary>
    internal void CompleteInboundWriter()
    {
        if (!InboundEndedAtHead)
        {
            InboundPipe.Writer.Complete();
        }
    }

    /// <summary>Completes the inbound pipe's reader end (nothing to do when the body ended at the head).</summary>
    internal void CompleteInboundReader()
    {
        if (!InboundEndedAtHead)
        {
            InboundPipe.Reader.Complete();
        }
    }

    /// <summary>Completes the outbound pipe's writer end (nothing to do for a whole message).</summary>
    internal void CompleteOutboundWriter()
    {
        if (!OutboundWhole)
        {
            OutboundPipe.Writer.Complete();
        }
    }

    /// <summary>Completes the outbound pipe's reader end (nothing to do for a whole message); a lend still out ends unsent.</summary>
    internal void CompleteOutboundReader()
    {
        if (_lend is not null)
        {
            AbandonLend();
        }

        if (!OutboundWhole)
        {
            OutboundPipe.Reader.Complete();
        }
    }

    /// <summary>
    /// Copies a whole outbound body into one block of the connection's pool (the owner, before it
    /// queues the head and sets <see cref="OutboundWhole"/>). False when the body does not fit a
    /// block: the pipe takes it.
    /// </summary>
    internal bool TryHoldWholeBody(in ReadOnlySequence<byte> body)
    {
        var pool = Connection.BufferPool;
        if (body.IsEmpty || body.Length > pool.MaxBufferSize || _wholeBody is not null)
        {
            return false;
        }

        var block = pool.Rent((int)body.Length);
        body.CopyTo(block.Memory.Span);
        _wholeBody = block;
        _wholeBodyLength = (int)body.Length;
        _wholeBodySent = 0;
        return true;
    }

    /// <summary>
    /// Queues the stream's own head (already filled in), <paramref name="body"/> (copied before this
    /// returns, non-empty) and END_STREAM together, so the writer puts them on the wire in one turn:
    /// one send for a small message instead of one per step (head, data, end), since the writer runs
    /// on the thread that wakes it. A body that fits one block waits there, the pipe unused. False
    /// when the stream is already gone (the body is discarded with it).
    /// </summary>
    private protected bool QueueWholeMessage(in ReadOnlySequence<byte> body)
    {
        // One lock round trip, after the copies: the head and body are the owner's until
        // HeadPending is set, and a stream reset meanwhile just drops them.
        var held = TryHoldWholeBody(body);
        if (!held)
        {
            OutboundPipeWritten = true;
            var writer = OutboundPipe.Writer;
            foreach (var segment in body)
            {
                writer.Write(segment.Span);
            }
        }

        using (Connection.Sync.EnterScope())
        {
            if (OutputEnded)
            {
                return false;
            }

            if (HeadPending || HeadSent)
            {
                throw new InvalidOperationException("The head was already written.");
            }

            HeadPending = true;
            HeadEndStream = false;
            OutboundWhole = held;
        }

        Connection.OnOutboundCompleted(this, exception: null); // commits the body; one wake for all three
        return true;
    }

    /// <summary>
    /// The outbound body not yet sent and whether the owner completed it (the writer loop only):
    /// the rest of a whole body, the lent bytes, or what the pipe holds. False when there is nothing to read.
    /// </summary>
    internal bool TryPeekOutbound(out ReadOnlySequence<byte> buffer, out bool completed)
    {
        _peekedLend = _lend is { Active: true };
        if (_peekedLend)
        {
            PeekLent(_lend!, out buffer, out completed);
            return true;
        }

        if (OutboundWhole)
        {
            buffer = _wholeBody is { } block
                ? new ReadOnlySequence<byte>(block.Memory.Slice(_wholeBodySent, _wholeBodyLength - _wholeBodySent))
                : default; // a head that ended the message
            completed = true;
            return true;
        }

        if (!OutboundPipe.Reader.TryRead(out var result))
        {
            buffer = default;
            completed = false;
            return false;
        }

        buffer = result.Buffer;
        completed = result.IsCompleted;
        return true;
    }

    /// <summary>Marks <paramref name="bytes"/> of what <see cref="TryPeekOutbound"/> returned as sent (0: none; the writer loop only).</summary>
    internal void ConsumeOutbound(in ReadOnlySequence<byte> buffer, long bytes)
    {
        if (OutboundWhole)
        {
            _wholeBodySent += (int)bytes;
            return;
        }

        if (_peekedLend)
        {
            // What was peeked decides, not the lend's state now: a lend the owner starts after the
            // writer peeked the pipe must not be charged with the pipe's bytes.
            ConsumeLent(_lend!, bytes);
            return;
        }

        OutboundPipe.Reader.AdvanceTo(buffer.GetPosition(bytes));
    }

    /// <summary>Resets the pipes that were used and gives a held body's block back (every pipe end in use has been completed).</summary>
    private void ResetPipes()
    {
        if (_inboundPipeUsed)
        {
            if (InboundEndedAtHead)
            {
                // Touched all the same: its ends were never completed, and Reset needs both.
                _inboundPipe.Writer.Complete();
                _inboundPipe.Reader.Complete();
            }

            _inboundPipe.Reset();
            _inboundPipeUsed = false;
        }

        if (_outboundPipeUsed)
        {
            if (OutboundWhole)
            {
                _outboundPipe.Writer.Complete();
                _outboundPipe.Reader.Complete();
            }

            _outboundPipe.Reset();
            _outboundPipeUsed = false;
        }

        if (_lend is not null)
        {
            AbandonLend(); // never out at reuse: the writer ended it when it let go of the stream
        }

        OutboundPipeWritten = false;
        _peekedLend = false;
        _wholeBody?.Dispose();
        _wholeBody = null;
        _wholeBodyLength = _wholeBodySent = 0;
        InboundEndedAtHead = false;
        OutboundWhole = false;
    }
}
