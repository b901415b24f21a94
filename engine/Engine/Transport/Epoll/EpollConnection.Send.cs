using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;

namespace Engine.Transport.Epoll;

/// <summary>Output pipe → socket.</summary>
internal sealed partial class EpollConnection
{
    /// <summary>
    /// Segments gathered into one sendmsg. A flush of a 64 KiB body in 32 KiB blocks is 3; 64
    /// blocks (2 MiB) are far above the output's pause threshold (MaxWriteBufferedBytes), so one
    /// flush is one syscall.
    /// </summary>
    private const int MaxSegmentsPerSend = 64;

    /// <summary>
    /// Resumed by the owner's FlushAsync through <see cref="BatchEndScheduler"/>: on a loop thread
    /// at the end of the current batch of events, elsewhere inline. A resume is one sendmsg of
    /// every segment flushed until then. Only when the socket's send buffer is full does the loop
    /// park until epoll reports it writable.
    /// </summary>
    private async Task SendAsync()
    {
        var reader = _output.Reader;
        Exception? unexpected = null;
        var drained = false;
        try
        {
            // No ReadResult or buffer lives across an await (each would be a field of the state
            // machine, written through GC barriers on every send): a send that fills the socket
            // consumes what went out, waits, and reads the rest from the pipe again.
            while (true)
            {
                var step = SendRead(reader, await reader.ReadAsync().ConfigureAwait(false));
                if (step == SendStep.More)
                {
                    continue;
                }

                if (step == SendStep.Full)
                {
                    if (await _writable.WaitAsync())
                    {
                        continue;
                    }

                    break; // abort while the peer was not reading
                }

                drained = step == SendStep.Drained;
                break;
            }
        }
        catch (Exception e)
        {
            unexpected = e;
        }

        if (drained && _abortReason is null)
        {
            // FIN after the last byte; the peer may still send and the receive loop still reads.
            _ = EpollLibc.Shutdown(_fd, EpollLibc.SHUT_WR);
        }

        await reader.CompleteAsync(unexpected).ConfigureAwait(false);
        if (_failure is not null || unexpected is not null)
        {
            StopReceiving(); // the connection is dead: end the receive loop even if its input is paused
        }
    }

    private enum SendStep
    {
        More,     // all sent: read again
        Full,     // the socket's send buffer filled up: wait for EPOLLOUT, then read the rest again
        Drained,  // all sent and the output is complete: FIN
        Stop,     // an abort, or the connection is dead
    }

    /// <summary>Sends what one read of the output pipe returned and consumes what went out.</summary>
    private SendStep SendRead(PipeReader reader, in ReadResult result)
    {
        if (result.IsCanceled)
        {
            // Abort. What was flushed before it, in the same batch, is still sent once without
            // waiting (the send was deferred, not refused): a response cut short on purpose
            // reaches the peer as far as it was written, then the reset.
            if (!result.Buffer.IsEmpty)
            {
                _ = SendSome(result.Buffer, out _);
            }

            return SendStep.Stop;
        }

        var buffer = result.Buffer;
        while (!buffer.IsEmpty)
        {
            var n = SendSome(buffer, out var full);
            if (n < 0)
            {
                return SendStep.Stop; // reset: _failure says so
            }

            buffer = buffer.Slice(n);
            if (full)
            {
                reader.AdvanceTo(buffer.Start);
                return SendStep.Full;
            }
        }

        reader.AdvanceTo(buffer.End);
        return result.IsCompleted ? SendStep.Drained : SendStep.More;
    }

    /// <summary>
    /// One send (one segment) or sendmsg (gathering up to <see cref="MaxSegmentsPerSend"/>). Returns the bytes sent
    /// (<paramref name="full"/>: the send buffer filled up, wait for EPOLLOUT), or -1 when the
    /// connection is dead.
    /// </summary>
    private unsafe long SendSome(in ReadOnlySequence<byte> buffer, out bool full)
    {
        nint n;
        long attempted;
        if (buffer.IsSingleSegment)
        {
            var span = buffer.FirstSpan;
            attempted = span.Length;
            fixed (byte* p = span)
            {
                _writable.Clear();
                n = EpollLibc.Send(_fd, p, (nuint)span.Length, EpollLibc.MSG_NOSIGNAL);
            }
        }
        else
        {
            n = SendGathered(buffer, out attempted);
        }

        if (n >= 0)
        {
            // A short write means the send buffer is full: EPOLLOUT will say when it has room,
            // without a second sendmsg just to collect EAGAIN.
            full = n < attempted;
            return n;
        }

        var errno = EpollLibc.Errno;
        full = errno == EpollLibc.EAGAIN;
        if (full || errno == EpollLibc.EINTR)
        {
            return 0;
        }

        _failure ??= new ConnectionResetException($"The connection was reset (errno {errno}).");
        return -1;
    }

    /// <summary>
    /// One sendmsg gathering up to <see cref="MaxSegmentsPerSend"/> segments; the syscall's result.
    /// </summary>
    /// <remarks>
    /// A method of its own: its 64 pin handles hold references, so the frame that carries them
    /// (1.5 KB) is zeroed on every call. Inside <see cref="SendSome"/> that cost ~175
    /// instructions on every single-segment send too, two per proxied request (callgrind).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private unsafe nint SendGathered(in ReadOnlySequence<byte> buffer, out long attempted)
    {
        // Pipe memory comes from the pinned pool (pinning is free for it); anything else is
        // pinned for the duration of the call.
        var iov = stackalloc EpollLibc.IoVec[MaxSegmentsPerSend];
        var pins = default(Pins);
        var count = 0;
        attempted = 0;
        try
        {
            foreach (var segment in buffer)
            {
                if (segment.IsEmpty)
                {
                    continue;
                }

                pins[count] = segment.Pin();
                iov[count].Base = pins[count].Pointer;
                iov[count].Length = (nuint)segment.Length;
                attempted += segment.Length;
                if (++count == MaxSegmentsPerSend)
                {
                    break;
                }
            }

            return SendMsg(iov, count);
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                pins[i].Dispose();
            }
        }
    }

    private unsafe nint SendMsg(EpollLibc.IoVec* iov, int count)
    {
        _writable.Clear();
        var message = default(EpollLibc.MsgHdr);
        message.Iov = iov;
        message.IovLength = (nuint)count;
        return EpollLibc.SendMsg(_fd, &message, EpollLibc.MSG_NOSIGNAL);
    }

    [InlineArray(MaxSegmentsPerSend)]
    private struct Pins
    {
        private MemoryHandle _first;
    }
}
