namespace Engine.Telemetry.AccessLogs;

/// <summary>
/// Collects access-log lines in memory and writes them to the destination in batches from a
/// thread of its own, so that a request thread never waits for stdout or the disk.
/// </summary>
/// <remarks>
/// <para>
/// Request threads copy a finished line into the active buffer under a short lock (a memcpy of a
/// few hundred bytes; Envoy's file access log takes a lock per line the same way). The flusher
/// wakes when a buffer passes <see cref="FlushThreshold"/> or every <see cref="FlushInterval"/>,
/// swaps the buffers and writes the full one with one system call. With inline socket
/// scheduling the request threads are the epoll threads: blocking one on a slow pipe would stall
/// every connection on it, so when the destination cannot keep up and both buffers are full,
/// lines are dropped and counted (<c>engine_access_log_dropped</c>) rather than waited for.
/// </para>
/// </remarks>
internal sealed class AccessLogWriter : IDisposable
{
    /// <summary>Bytes of lines held per buffer (two buffers): ~8,000 lines of slack each.</summary>
    public const int BufferSize = 2 * 1024 * 1024;

    /// <summary>A buffer this full is written at once, without waiting for the interval.</summary>
    public const int FlushThreshold = 64 * 1024;

    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private readonly Stream _destination;
    private readonly bool _ownsDestination;
    private readonly Lock _lock = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _flusher;
    private byte[] _active = new byte[BufferSize];
    private byte[] _spare = new byte[BufferSize];
    private int _activeLength;
    private bool _wakeRequested;
    private volatile bool _stopping;
    private long _lines;
    private long _dropped;
    private long _writeFailures;

    public AccessLogWriter(Stream destination, string description, bool ownsDestination)
    {
        _destination = destination;
        _ownsDestination = ownsDestination;
        Description = description;
        _flusher = new Thread(FlushLoop) { IsBackground = true, Name = "access-log" };
        _flusher.Start();
    }

    /// <summary>"stdout" or the file path, for the start-up summary.</summary>
    public string Description { get; }

    /// <summary>Lines accepted into a buffer.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Lines dropped because the destination could not keep up.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Batches that failed to write (closed pipe, full disk); their lines are lost.</summary>
    public long WriteFailures => Interlocked.Read(ref _writeFailures);

    /// <summary>Opens <c>stdout</c> or appends to a file.</summary>
    public static AccessLogWriter Open(string destination)
        => destination == "stdout"
            ? new AccessLogWriter(Console.OpenStandardOutput(), "stdout", ownsDestination: false)
            : new AccessLogWriter(new FileStream(destination, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0), destination, ownsDestination: true);

    /// <summary>Queues one complete line (newline included). Never blocks for I/O.</summary>
    public void Append(ReadOnlySpan<byte> line)
    {
        bool wake;
        lock (_lock)
        {
            if (_activeLength + line.Length > _active.Length)
            {
                _dropped++;
                return;
            }

            line.CopyTo(_active.AsSpan(_activeLength));
            _activeLength += line.Length;
            _lines++;
            wake = _activeLength >= FlushThreshold && !_wakeRequested;
            _wakeRequested |= wake;
        }

        if (wake)
        {
            _wake.Set();
        }
    }

    private void FlushLoop()
    {
        while (true)
        {
            var stopping = _stopping;
            if (!stopping)
            {
                _wake.WaitOne(FlushInterval);
            }

            WriteOut();
            if (stopping)
            {
                return;
            }
        }
    }

    private void WriteOut()
    {
        byte[] full;
        int length;
        lock (_lock)
        {
            full = _active;
            length = _activeLength;
            _active = _spare;
            _activeLength = 0;
            _wakeRequested = false;
        }

        if (length > 0)
        {
            try
            {
                _destination.Write(full, 0, length);
                _destination.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
            {
                Interlocked.Increment(ref _writeFailures);
            }
        }

        // Only the flusher touches the spare buffer, and only after this swap.
        _spare = full;
    }

    /// <summary>Writes what is buffered and stops the flusher.</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }

        _stopping = true;
        _wake.Set();
        _flusher.Join(TimeSpan.FromSeconds(5));
        if (_ownsDestination)
        {
            _destination.Dispose();
        }

        _wake.Dispose();
    }
}
