using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Engine.Transport.Epoll;

/// <summary>The writer's operations on a <see cref="SocketPipe"/>.</summary>
internal sealed partial class SocketPipe
{
    /// <summary>
    /// Bytes written and not yet flushed. The writer asks, and only it moves these positions while
    /// it holds memory (the reader lets go of no block then); between a flush and the next
    /// GetMemory nothing is unflushed. So no lock.
    /// </summary>
    internal long UnflushedBytes
        => _writingActive && _writeHead is { } head ? head.RunningIndex + _writeIndex - CommittedLocked() : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Memory<byte> GetMemory(int sizeHint)
    {
        // Between a GetMemory and the flush the write block is the writer's own (the reader
        // never lets go of it then): while it has room, no lock.
        if (_writingActive && _writeHead is { } head && head.Block.Length - _writeIndex >= Math.Max(sizeHint, 1))
        {
            return head.Block[_writeIndex..];
        }

        return GetMemorySlow(sizeHint);
    }

    internal void Advance(int bytes)
    {
        var head = _writeHead;
        if (bytes == 0)
        {
            return;
        }

        if (!_writingActive || head is null || (uint)bytes > (uint)(head.Block.Length - _writeIndex))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the memory the pipe handed out.");
        }

        // Bytes written after the reader has gone are dropped, as a Pipe drops them: the same
        // memory is handed out again.
        if (!Volatile.Read(ref _readerCompleted))
        {
            _writeIndex += bytes;
        }
    }

    internal ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<FlushResult>(cancellationToken);
        }

        bool wakeReader;
        ReadResult inlineResult = default;
        ValueTask<FlushResult> outcome;
        using (_sync.EnterScope())
        {
            if (_writerCompleted)
            {
                throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
            }

            CommitLocked();
            _writingActive = false;
            wakeReader = CommittedLocked() > _examined && TakeWaitingReaderLocked();
            if (wakeReader && _readerInline)
            {
                // The reader resumes right here, after the lock: its result is built under this
                // lock instead of taking it again.
                _readerWakeScheduled = false;
                inlineResult = ResultLocked();
            }

            if (DrainedLocked())
            {
                ReleaseAllLocked(); // a flush of nothing new on a drained pipe: nothing to keep
            }

            if (_readerCompleted)
            {
                outcome = new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            }
            else if (_flushCanceled)
            {
                _flushCanceled = false;
                outcome = new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
            }
            else if (_pauseWriterThreshold > 0 && CommittedLocked() - _examined >= _pauseWriterThreshold)
            {
                // Back-pressure: the reader has this much still to look at; the flush completes
                // when what it has not examined falls below the resume threshold.
                _flushSource.Reset();
                _writerWaiting = true;
                _flushToken = cancellationToken;
                _flushRegistration = cancellationToken.CanBeCanceled
                    ? cancellationToken.UnsafeRegister(static (state, token) => ((SocketPipe)state!).OnFlushTokenCanceled(token), this)
                    : default;
                outcome = new ValueTask<FlushResult>(WriterSource, _flushSource.Version);
            }
            else
            {
                outcome = new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
            }
        }

        if (wakeReader)
        {
            if (_readerInline)
            {
                _readRegistration.Dispose();
                _readSource.SetResult(inlineResult);
            }
            else
            {
                WakeReader();
            }
        }

        return outcome;
    }

    internal void CancelPendingFlush()
    {
        bool wake;
        using (_sync.EnterScope())
        {
            wake = TakeWaitingWriterLocked();
            _flushCanceled = !wake;
        }

        if (wake)
        {
            WakeWriter(new FlushResult(isCanceled: true, isCompleted: false));
        }
    }

    internal void CompleteWriter(Exception? exception)
    {
        bool wakeReader;
        using (_sync.EnterScope())
        {
            if (_writerCompleted)
            {
                return;
            }

            CommitLocked();
            _writingActive = false;
            _writerCompleted = true;
            _maybeReadable = true;
            if (exception is not null)
            {
                _writerError = ExceptionDispatchInfo.Capture(exception);
            }

            wakeReader = TakeWaitingReaderLocked();
            if (_readerCompleted)
            {
                ReleaseAllLocked();
            }
        }

        if (wakeReader)
        {
            WakeReader();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CommitLocked()
    {
        if (_writeHead is not null)
        {
            _committedHead = _writeHead;
            _committedIndex = _writeIndex;
            if (CommittedLocked() > ConsumedLocked())
            {
                _maybeReadable = true;
            }
        }
    }

    private Memory<byte> GetMemorySlow(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        using (_sync.EnterScope())
        {
            if (_writerCompleted)
            {
                throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
            }

            _writingActive = true;
            var needed = Math.Max(sizeHint, 1);
            var head = _writeHead;
            if (head is null)
            {
                // The first write, or the first since the pipe was drained and let go of its block.
                head = LeaseSegment(sizeHint, _drainedAt);
                _readHead = _committedHead = _writeHead = head;
                _readIndex = _committedIndex = _writeIndex = 0;
            }
            else if (head.Block.Length - _writeIndex >= needed)
            {
                // Room enough: the write block was merely not handed out since the last flush.
            }
            else if (_readHead == head && _committedHead == head && _readIndex == _writeIndex && _committedIndex == _writeIndex
                && !_readingActive && head.Block.Length >= needed && !head.Foreign)
            {
                // Everything written was flushed and consumed, and no read result is out: write
                // the same block again from its start (positions stay absolute).
                head.Rewind(head.RunningIndex + _writeIndex);
                _readIndex = _committedIndex = _writeIndex = 0;
            }
            else
            {
                var next = LeaseSegment(sizeHint, head.RunningIndex + _writeIndex);
                head.Seal(_writeIndex, next);
                _writeHead = next;
                _writeIndex = 0;
            }

            return _writeHead!.Block[_writeIndex..];
        }
    }
}
