using System.Buffers;
using System.IO.Pipelines;
using Engine.Async;

namespace Engine.Transport.Epoll;

/// <summary>
/// Lending: bytes the writer does not own go into the chain as they are, and the socket sends
/// them from the lender's memory. A proxied body otherwise crosses user space once more, copied
/// from the upstream connection's input into this pipe's blocks: at 64 KiB answers that copy was
/// 12% of the engine's CPU (perf). The lender keeps the bytes valid until the send loop has
/// consumed past them, and learns it from the returned task.
/// </summary>
internal sealed partial class SocketPipe
{
    private ReusableSignal<bool>? _lendReturned;
    private long _lendEnd = long.MaxValue; // absolute end of the lent bytes; MaxValue: no lend out

    /// <summary>
    /// Appends <paramref name="data"/> after what was written so far and flushes both (the reader
    /// sees them at once). True once every lent byte was consumed, false when the reader is gone
    /// first; either way the pipe no longer reads the lender's memory. One lend at a time.
    /// </summary>
    internal ValueTask<bool> LendAsync(in ReadOnlySequence<byte> data)
    {
        if (data.IsEmpty)
        {
            return new ValueTask<bool>(true);
        }

        var returned = _lendReturned ??= new ReusableSignal<bool>();
        ValueTask<bool> outcome;
        bool wakeReader;
        ReadResult inlineResult = default;
        lock (_sync)
        {
            if (_writerCompleted || _lendEnd != long.MaxValue)
            {
                throw new InvalidOperationException("A lend needs an open writer and no other lend out.");
            }

            if (_readerCompleted)
            {
                return new ValueTask<bool>(false);
            }

            CommitLocked();
            _writingActive = false;
            AppendForeignLocked(data);
            _lendEnd = CommittedLocked();
            outcome = returned.Arm();
            wakeReader = TakeWaitingReaderLocked();
            if (wakeReader && _readerInline)
            {
                _readerWakeScheduled = false;
                inlineResult = ResultLocked();
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

    /// <summary>Links a shell per segment of <paramref name="data"/> after the write head, and commits them.</summary>
    private void AppendForeignLocked(in ReadOnlySequence<byte> data)
    {
        var tail = _writeHead;
        var tailLength = _writeIndex;
        var at = CommittedLocked();
        foreach (var memory in data)
        {
            if (memory.IsEmpty)
            {
                continue;
            }

            var shell = _spareShells ?? new SocketPipeSegment();
            _spareShells = shell.NextSpare;
            shell.NextSpare = null;
            shell.LeaseForeign(memory, at);
            if (tail is null)
            {
                _readHead = shell; // the pipe held no block: the chain starts here
                _readIndex = 0;
            }
            else
            {
                tail.Seal(tailLength, shell);
            }

            tail = shell;
            tailLength = memory.Length;
            at += memory.Length;
        }

        // The last lent segment is the write head, full: the next GetMemory leases a block after it.
        _writeHead = _committedHead = tail;
        _writeIndex = _committedIndex = tailLength;
        _maybeReadable = true;
    }

    /// <summary>The lend out ends now (lock): true when there was one, to be completed after the lock.</summary>
    private bool TakeLendLocked()
    {
        if (_lendEnd == long.MaxValue)
        {
            return false;
        }

        _lendEnd = long.MaxValue;
        return true;
    }
}
