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
    private bool _redeemPending;            // Redeem came while the reader held a result: done at its AdvanceTo

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
        using (_sync.EnterScope())
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

    /// <summary>
    /// Calls the lend out back: the lent bytes not yet consumed are copied into blocks of the
    /// pipe's own, in place (same segments, same positions), and the lend returns true, as if sent.
    /// While the reader holds a result (a send in progress reads the lender's memory outside the
    /// lock) the copy waits for its AdvanceTo. No lend out: nothing to do.
    /// </summary>
    internal void Redeem()
    {
        bool returned;
        using (_sync.EnterScope())
        {
            if (_lendEnd == long.MaxValue)
            {
                return;
            }

            if (_readingActive)
            {
                _redeemPending = true;
                return;
            }

            returned = AdoptLentLocked();
        }

        if (returned)
        {
            _lendReturned!.Set(true);
        }
    }

    /// <summary>Copies every lent segment still in the chain into a pooled block (lock); true: the lend ends, complete it after the lock.</summary>
    private bool AdoptLentLocked()
    {
        for (var segment = _readHead; segment is not null; segment = segment.NextSegment)
        {
            if (segment.Foreign)
            {
                segment.Adopt(_pool.Rent(Math.Max(segment.Memory.Length, _minimumSegmentSize)), isWriteHead: segment == _writeHead);
            }
        }

        return TakeLendLocked();
    }

    /// <summary>The lend out ends now (lock): true when there was one, to be completed after the lock.</summary>
    private bool TakeLendLocked()
    {
        _redeemPending = false;
        if (_lendEnd == long.MaxValue)
        {
            return false;
        }

        _lendEnd = long.MaxValue;
        return true;
    }
}
