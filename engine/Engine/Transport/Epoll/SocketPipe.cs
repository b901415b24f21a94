using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks.Sources;
using Engine.Async;

namespace Engine.Transport.Epoll;

/// <summary>
/// One direction of an epoll connection: a byte pipe with one writer and one reader, with the
/// contract of <see cref="Pipe"/> (examined/consumed, back-pressure thresholds, pending-read and
/// pending-flush cancellation, completion with an error) and less work per message. HTTP/2
/// streams carry their bodies in it too, whatever the transport (<see cref="Reset"/> for reuse).
/// </summary>
/// <remarks>
/// <para>
/// Why not <see cref="Pipe"/>: it takes its lock on every Advance, GetMemory after a flush,
/// ReadAsync, AdvanceTo and its completion, and it returns its write block to the pool whenever
/// the reader has consumed everything, to rent one again on the next write. A proxied HTTP/1.1
/// request goes through four such pipes; the pipe machinery was ~30% of the engine's user-space
/// instructions (callgrind: ~34 lock round trips and four block rent/return pairs a request).
/// </para>
/// <para>
/// Here the writer owns its write position: GetMemory and Advance take no lock while the block
/// has room. A block the reader has drained is rewound and written again from its start (the
/// pipe keeps it: an idle keep-alive connection holds one block per direction, as a Pipe's
/// holds one while bytes wait). Every other transition (flush, read, advance, cancel, complete)
/// takes one <see cref="Lock"/>, and wakes the other side after releasing it: a waiting reader
/// through the reader scheduler (the output pipe's is <see cref="BatchEndScheduler"/>), a
/// waiting writer inline.
/// </para>
/// <para>
/// Positions are absolute: a segment's RunningIndex is the offset of its first byte among all
/// bytes ever written, so "consumed", "examined" and "committed" are plain numbers and a rewound
/// block keeps them growing.
/// </para>
/// </remarks>
internal sealed partial class SocketPipe
{
    private static readonly Action<object?> s_wakeReader = static state => ((SocketPipe)state!).CompleteWaitingRead();

    private readonly ShortLock _sync = new();
    private readonly MemoryPool<byte> _pool;
    private readonly PipeScheduler _readerScheduler;
    private readonly bool _readerInline;
    private readonly long _pauseWriterThreshold;
    private readonly long _resumeWriterThreshold;
    private readonly int _minimumSegmentSize;

    // The chain runs _readHead → … → _writeHead. The reader reads [read position, committed
    // position); the writer writes at the write position and commits on flush.
    private SocketPipeSegment? _readHead;
    private int _readIndex;
    private SocketPipeSegment? _committedHead;
    private int _committedIndex;
    private SocketPipeSegment? _writeHead;
    private int _writeIndex;                 // the writer's: moved without the lock while _writingActive
    private long _drainedAt;                 // absolute end of the data when no block is held
    private long _examined;                  // absolute: a read waits for bytes past this
    private SocketPipeSegment? _spareShells; // released segment objects (linked by NextSpare), leased again

    private volatile bool _maybeReadable;    // bytes past consumed, a cancel or the end may be there: TryRead's lock-free "no"
    private bool _writingActive;             // memory is handed out (GetMemory) and not yet flushed
    private bool _readingActive;             // a ReadResult is out and not yet advanced
    private bool _readCanceled;              // CancelPendingRead not yet observed
    private bool _flushCanceled;             // CancelPendingFlush not yet observed
    private bool _readerCompleted;
    private bool _writerCompleted;
    private ExceptionDispatchInfo? _writerError;

    // A waiting read: completed once, through the reader scheduler.
    private ManualResetValueTaskSourceCore<ReadResult> _readSource;
    private bool _readerWaiting;
    private bool _readerWakeScheduled;
    private CancellationToken _readToken;
    private CancellationTokenRegistration _readRegistration;

    // A waiting flush: completed once, inline.
    private ManualResetValueTaskSourceCore<FlushResult> _flushSource;
    private bool _writerWaiting;
    private CancellationToken _flushToken;
    private CancellationTokenRegistration _flushRegistration;

    public SocketPipe(PipeOptions options)
    {
        _pool = options.Pool;
        _readerScheduler = options.ReaderScheduler;
        _readerInline = options.ReaderScheduler == PipeScheduler.Inline;
        _pauseWriterThreshold = options.PauseWriterThreshold;
        _resumeWriterThreshold = options.ResumeWriterThreshold;
        _minimumSegmentSize = options.MinimumSegmentSize;
        _readSource.RunContinuationsAsynchronously = false;
        _flushSource.RunContinuationsAsynchronously = false;
        ReaderSource = new SocketPipeReader(this);
        WriterSource = new SocketPipeWriter(this);
    }

    public PipeReader Reader => ReaderSource;

    public PipeWriter Writer => WriterSource;

    private SocketPipeReader ReaderSource { get; }

    private SocketPipeWriter WriterSource { get; }

    /// <summary>Bytes flushed and not yet consumed (for tests and diagnostics).</summary>
    public long Unconsumed
    {
        get
        {
            using (_sync.EnterScope())
            {
                return CommittedLocked() - ConsumedLocked();
            }
        }
    }

    /// <summary>
    /// Makes a pipe whose two ends have completed new again, for an object that is reused (an
    /// HTTP/2 stream's body pipes). Its blocks went back to the pool when the second end completed.
    /// </summary>
    public void Reset()
    {
        using (_sync.EnterScope())
        {
            if (!_readerCompleted || !_writerCompleted)
            {
                throw new InvalidOperationException("Both the reader and the writer must be completed before the pipe is reset.");
            }

            ReleaseAllLocked();
            _drainedAt = 0;
            _examined = 0;
            _maybeReadable = false;
            _writingActive = _readingActive = false;
            _readCanceled = _flushCanceled = false;
            _readerCompleted = _writerCompleted = false;
            _writerError = null;
            _readerWaiting = _readerWakeScheduled = _writerWaiting = false;
            _readToken = _flushToken = default;

            // A wait that ended has disposed of its own; Unregister, unlike Dispose, does not wait
            // for a callback that may be taking this lock.
            _readRegistration.Unregister();
            _flushRegistration.Unregister();
            _readRegistration = _flushRegistration = default;
            _lendEnd = long.MaxValue;
            _redeemPending = false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long CommittedLocked() => _committedHead is null ? _drainedAt : _committedHead.RunningIndex + _committedIndex;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long ConsumedLocked() => _readHead is null ? _drainedAt : _readHead.RunningIndex + _readIndex;

    private SocketPipeSegment LeaseSegment(int sizeHint, long runningIndex)
    {
        var segment = _spareShells ?? new SocketPipeSegment();
        _spareShells = segment.NextSpare;
        segment.NextSpare = null;
        segment.Lease(_pool.Rent(Math.Max(sizeHint, _minimumSegmentSize)), runningIndex);
        return segment;
    }

    /// <summary>Releases the blocks of [from, until): fully consumed, never the write head.</summary>
    private void ReleaseLocked(SocketPipeSegment? from, SocketPipeSegment? until)
    {
        while (from is not null && from != until)
        {
            var next = from.NextSegment;
            from.Release();
            from.NextSpare = _spareShells; // every shell is kept: a 64 KiB answer spans three, each time
            _spareShells = from;
            from = next;
        }
    }

    /// <summary>
    /// Every block goes back to the pool: both sides are done, or everything written was read and
    /// neither side holds memory of the pipe (an idle connection keeps no block, as with a Pipe).
    /// </summary>
    private void ReleaseAllLocked()
    {
        _drainedAt = CommittedLocked();
        ReleaseLocked(_readHead, null);
        _readHead = _committedHead = _writeHead = null;
        _readIndex = _committedIndex = _writeIndex = 0;
    }

    /// <summary>Everything written was flushed and consumed, and no memory or read result is out.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool DrainedLocked() => _writeHead is not null && !_writingActive && !_readingActive
        && _readHead == _writeHead && _committedHead == _writeHead && _readIndex == _writeIndex && _committedIndex == _writeIndex;

    /// <summary>The result a read returns now; throws the writer's error once it has completed with one.</summary>
    private ReadResult ResultLocked()
    {
        _writerError?.Throw();
        var canceled = _readCanceled;
        _readCanceled = false;
        _readingActive = true;
        var buffer = _readHead is null
            ? ReadOnlySequence<byte>.Empty
            : new ReadOnlySequence<byte>(_readHead, _readIndex, _committedHead!, _committedIndex);
        return new ReadResult(buffer, canceled, _writerCompleted);
    }

    /// <summary>Whether a read has something to return: bytes past examined, an end, a cancel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReadReadyLocked() => _readCanceled || _writerCompleted || CommittedLocked() > _examined;

    /// <summary>A waiting reader is to be woken: done after the lock is released, through the reader scheduler.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TakeWaitingReaderLocked()
    {
        if (!_readerWaiting)
        {
            return false;
        }

        _readerWaiting = false;
        _readerWakeScheduled = true;
        return true;
    }

    private void WakeReader() => _readerScheduler.Schedule(s_wakeReader, this);

    /// <summary>Runs on the reader scheduler: hands the waiting read its result.</summary>
    private void CompleteWaitingRead()
    {
        ReadResult result = default;
        Exception? error = null;
        using (_sync.EnterScope())
        {
            if (!_readerWakeScheduled)
            {
                return;
            }

            _readerWakeScheduled = false;
            try
            {
                result = ResultLocked();
            }
            catch (Exception e)
            {
                error = e;
            }
        }

        _readRegistration.Dispose();
        if (error is null)
        {
            _readSource.SetResult(result);
        }
        else
        {
            _readSource.SetException(error);
        }
    }

    private void OnReadTokenCanceled(CancellationToken token)
    {
        using (_sync.EnterScope())
        {
            if (!_readerWaiting || _readToken != token)
            {
                return;
            }

            _readerWaiting = false;
        }

        _readSource.SetException(new OperationCanceledException(token));
    }

    /// <summary>A waiting writer is to be released with <paramref name="result"/>: done after the lock is released.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TakeWaitingWriterLocked()
    {
        if (!_writerWaiting)
        {
            return false;
        }

        _writerWaiting = false;
        return true;
    }

    private void WakeWriter(FlushResult result)
    {
        _flushRegistration.Dispose();
        _flushSource.SetResult(result);
    }

    private void OnFlushTokenCanceled(CancellationToken token)
    {
        using (_sync.EnterScope())
        {
            if (!_writerWaiting || _flushToken != token)
            {
                return;
            }

            _writerWaiting = false;
        }

        _flushSource.SetException(new OperationCanceledException(token));
    }

    internal ReadResult GetReadResult(short token) => _readSource.GetResult(token);

    internal ValueTaskSourceStatus GetReadStatus(short token) => _readSource.GetStatus(token);

    internal void OnReadCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _readSource.OnCompleted(continuation, state, token, flags);

    internal FlushResult GetFlushResult(short token) => _flushSource.GetResult(token);

    internal ValueTaskSourceStatus GetFlushStatus(short token) => _flushSource.GetStatus(token);

    internal void OnFlushCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _flushSource.OnCompleted(continuation, state, token, flags);
}
