using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Engine.Transport.Epoll;

/// <summary>The reader's operations on a <see cref="SocketPipe"/>.</summary>
internal sealed partial class SocketPipe
{
    internal ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ReadResult>(cancellationToken);
        }

        using (_sync.EnterScope())
        {
            ThrowIfReaderCompletedLocked();
            if (ReadReadyLocked())
            {
                return new ValueTask<ReadResult>(ResultLocked());
            }

            if (_readerWaiting || _readerWakeScheduled)
            {
                throw new InvalidOperationException("A read of this pipe is already in progress.");
            }

            _readSource.Reset();
            _readerWaiting = true;
            _readToken = cancellationToken;
            _readRegistration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static (state, token) => ((SocketPipe)state!).OnReadTokenCanceled(token), this)
                : default;
            return new ValueTask<ReadResult>(ReaderSource, _readSource.Version);
        }
    }

    internal bool TryRead(out ReadResult result)
    {
        // Most calls find nothing (an idle upstream connection checked before reuse): answered
        // without the lock. A flush racing with this is as if it came just after.
        if (!_maybeReadable)
        {
            result = default;
            return false;
        }

        using (_sync.EnterScope())
        {
            ThrowIfReaderCompletedLocked();
            if (_readCanceled || _writerCompleted || CommittedLocked() > ConsumedLocked())
            {
                result = ResultLocked();
                return true;
            }

            result = default;
            return false;
        }
    }

    internal void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        SocketPipeSegment? released = null;
        SocketPipeSegment? releasedEnd = null;
        bool wakeWriter;
        bool lendReturned;
        using (_sync.EnterScope())
        {
            ThrowIfReaderCompletedLocked();
            _readingActive = false;
            if (_readHead is null || consumed.GetObject() is not SocketPipeSegment consumedSegment)
            {
                // A position of an empty buffer from before anything was written: nothing moves.
                return;
            }

            var consumedIndex = consumed.GetInteger();
            var consumedAt = consumedSegment.RunningIndex + consumedIndex;
            var committed = CommittedLocked();
            if (consumedAt < ConsumedLocked() || consumedAt > committed)
            {
                throw new InvalidOperationException("The consumed position is outside the last buffer read.");
            }

            var examinedAt = examined.GetObject() is SocketPipeSegment examinedSegment
                ? examinedSegment.RunningIndex + examined.GetInteger()
                : consumedAt;
            var examinedBefore = _examined;
            _examined = Math.Max(_examined, Math.Max(examinedAt, consumedAt));

            // A segment read to its end moves the head on to its successor, unless it is the
            // block the writer is still filling or the committed end lies in it (the successor's
            // bytes are not flushed yet: the next flush moves the committed end, and the next
            // advance past it).
            if (consumedSegment != _writeHead && consumedSegment != _committedHead
                && consumedIndex == consumedSegment.Memory.Length && consumedSegment.NextSegment is { } next)
            {
                consumedSegment = next;
                consumedIndex = 0;
            }

            if (consumedSegment != _readHead)
            {
                released = _readHead;
                releasedEnd = consumedSegment;
            }

            _readHead = consumedSegment;
            _readIndex = consumedIndex;
            if (consumedAt == committed && !_readCanceled && !_writerCompleted)
            {
                _maybeReadable = false;
            }

            // Back-pressure counts the bytes the reader has not examined, as a Pipe does: a
            // reader that looked at everything and waits for more must get more.
            wakeWriter = committed - examinedBefore >= _resumeWriterThreshold && committed - _examined < _resumeWriterThreshold
                && TakeWaitingWriterLocked();
            lendReturned = consumedAt >= _lendEnd ? TakeLendLocked() : _redeemPending && AdoptLentLocked();
            if (released is not null)
            {
                ReleaseLocked(released, releasedEnd);
            }

            if (consumedAt == committed && DrainedLocked())
            {
                ReleaseAllLocked();
            }
        }

        if (wakeWriter)
        {
            WakeWriter(new FlushResult(isCanceled: false, isCompleted: false));
        }

        if (lendReturned)
        {
            _lendReturned!.Set(true); // every lent byte went out: the lender may have its buffer back
        }
    }

    internal void CancelPendingRead()
    {
        bool wake;
        using (_sync.EnterScope())
        {
            _readCanceled = true;
            _maybeReadable = true;
            wake = TakeWaitingReaderLocked();
        }

        if (wake)
        {
            WakeReader();
        }
    }

    internal void CompleteReader(Exception? exception)
    {
        bool wakeWriter;
        bool lendAbandoned;
        using (_sync.EnterScope())
        {
            if (_readerCompleted)
            {
                return;
            }

            _readerCompleted = true;
            _readingActive = false;
            wakeWriter = TakeWaitingWriterLocked();
            lendAbandoned = TakeLendLocked();
            if (_writerCompleted)
            {
                ReleaseAllLocked();
            }
        }

        if (wakeWriter)
        {
            WakeWriter(new FlushResult(isCanceled: false, isCompleted: true));
        }

        if (lendAbandoned)
        {
            _lendReturned!.Set(false); // nothing more is sent: the lender has its buffer back at once
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ThrowIfReaderCompletedLocked()
    {
        if (_readerCompleted)
        {
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        }
    }
}
