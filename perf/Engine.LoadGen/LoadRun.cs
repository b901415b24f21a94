using System.Diagnostics;

namespace Engine.LoadGen;

/// <summary>
/// One open-loop run. A pacing thread walks a fixed schedule (request i is due at
/// start + i / rate) and hands each due request to an idle slot, or queues it when every slot is
/// busy; a slot that finishes takes the oldest queued request at once. Latency is measured from
/// the request's intended time, so a stalled server is charged for the whole stall — including
/// the time requests waited in the queue — rather than hidden by a client that simply sent less
/// (coordinated omission). "Service time" (from the actual write) is reported beside it.
/// </summary>
internal sealed class LoadRun
{
    private readonly LoadOptions _options;
    private readonly Lock _gate = new();
    private readonly List<IRequestSlot> _idle;
    private readonly Queue<long> _pending;
    private readonly long[] _errors = new long[Enum.GetValues<ErrorCause>().Length];
    private readonly long[] _statusCounts = new long[600];
    private readonly LatencyRecorder _latency = new();
    private readonly LatencyRecorder _service = new();
    private readonly LatencyRecorder _sendLag = new();
    private long _measureStart = long.MaxValue;
    private long _dispatched;
    private long _dispatchedMeasured;
    private long _finished;
    private long _completedMeasured;
    private long _completedWarmup;
    private long _bodyBytes;
    private long _reconnects;
    private long _lastCompletion;

    public LoadRun(LoadOptions options)
    {
        _options = options;
        _idle = new List<IRequestSlot>(options.Slots);
        _pending = new Queue<long>(1024);
    }

    public LoadTarget Target => _options.Target;

    public async Task<LoadResult> RunAsync(TextWriter progress, CancellationToken cancellation)
    {
        var connections = new IRunConnection[_options.Connections];
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var loops = new Task[connections.Length];
        for (var i = 0; i < connections.Length; i++)
        {
            connections[i] = _options.Protocol == "h2c" ? new H2cConnection(this, i, _options.Streams) : new Http1Connection(this, i);
            var connection = connections[i];
            loops[i] = Task.Run(() => connection.RunAsync(stopping.Token), CancellationToken.None);
        }

        try
        {
            await WaitForConnectionsAsync(cancellation).ConfigureAwait(false);

            var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 1000);
            var measureStart = start + ToTicks(_options.Warmup);
            var end = measureStart + ToTicks(_options.Duration);
            Volatile.Write(ref _measureStart, measureStart);

            // The run waits for the pacer without holding a pool thread: pinned to one core (as
            // bench.sh runs it) the pool starts with one thread, and a Join blocking it left
            // HttpClient's h2c continuations waiting for the pool to inject another (~0.5 s
            // stalls, p99s of 400–900 ms for every target).
            var paced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var pacer = new Thread(() =>
            {
                try
                {
                    Pace(start, measureStart, end, stopping.Token);
                }
                finally
                {
                    paced.SetResult();
                }
            }) { IsBackground = true, Name = "pacer", Priority = ThreadPriority.AboveNormal };
            using var reporter = new ProgressReporter(this, progress, start, measureStart, _options.ProgressInterval);
            pacer.Start();
            await paced.Task.ConfigureAwait(false);
            var scheduleEnd = Stopwatch.GetTimestamp();

            await DrainAsync(cancellation).ConfigureAwait(false);
            reporter.Stop();
            return BuildResult(start, measureStart, scheduleEnd);
        }
        finally
        {
            await stopping.CancelAsync().ConfigureAwait(false);
            foreach (var connection in connections)
            {
                connection.Close();
            }

            await Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
    }

    // ---- called by slots ------------------------------------------------------------------

    /// <summary>A slot connected (or reconnected) and can take work.</summary>
    public void SlotReady(IRequestSlot slot) => SlotFree(slot);

    /// <summary>A slot finished its request: give it the oldest queued one, or park it.</summary>
    public void SlotFree(IRequestSlot slot)
    {
        long next;
        lock (_gate)
        {
            if (!_pending.TryDequeue(out next))
            {
                _idle.Add(slot);
                return;
            }
        }

        slot.Send(next);
    }

    /// <summary>A slot's connection broke: it is not idle any more (it comes back through <see cref="SlotReady"/>).</summary>
    public void SlotBroken(IRequestSlot slot)
    {
        lock (_gate)
        {
            _idle.Remove(slot);
        }
    }

    public void Completed(long intended, long sent, int status, long bodyBytes)
    {
        var now = Stopwatch.GetTimestamp();
        if ((uint)status < (uint)_statusCounts.Length)
        {
            Interlocked.Increment(ref _statusCounts[status]);
        }

        if (intended >= Volatile.Read(ref _measureStart))
        {
            _latency.Record(ToNanoseconds(now - intended));
            _service.Record(ToNanoseconds(now - sent));
            _sendLag.Record(ToNanoseconds(sent - intended));
            Interlocked.Increment(ref _completedMeasured);
            Interlocked.Add(ref _bodyBytes, bodyBytes);
            Volatile.Write(ref _lastCompletion, now);
            if (status >= 500)
            {
                Interlocked.Increment(ref _errors[(int)ErrorCause.Status5xx]);
            }
            else if (status >= 400)
            {
                Interlocked.Increment(ref _errors[(int)ErrorCause.Status4xx]);
            }
        }
        else
        {
            Interlocked.Increment(ref _completedWarmup);
        }

        Interlocked.Increment(ref _finished);
    }

    /// <summary>A request (or, for <see cref="ErrorCause.Connect"/>, a connection attempt) failed.</summary>
    public void Failed(ErrorCause cause)
    {
        Interlocked.Increment(ref _errors[(int)cause]);
        if (cause != ErrorCause.Connect)
        {
            Interlocked.Increment(ref _finished);
        }
    }

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    // ---- progress -------------------------------------------------------------------------

    public long Dispatched => Volatile.Read(ref _dispatched);

    public long Finished => Volatile.Read(ref _finished);

    public long CompletedMeasured => Volatile.Read(ref _completedMeasured);

    public long ErrorCount
    {
        get
        {
            long sum = 0;
            for (var i = 0; i < _errors.Length; i++)
            {
                sum += Volatile.Read(ref _errors[i]);
            }

            return sum;
        }
    }

    public int Queued
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public LatencyRecorder Latency => _latency;

    public LatencyRecorder Service => _service;

    public LatencyRecorder SendLag => _sendLag;

    // ---- internals ------------------------------------------------------------------------

    private void Pace(long start, long measureStart, long end, CancellationToken stopping)
    {
        PreciseSleep.TuneCurrentThread();
        var interval = Stopwatch.Frequency / _options.Rate;
        long measured = 0;
        for (long i = 0; !stopping.IsCancellationRequested; i++)
        {
            var intended = start + (long)(i * interval);
            if (intended >= end)
            {
                break;
            }

            if (intended >= measureStart && _options.MaxRequests > 0 && measured++ >= _options.MaxRequests)
            {
                break;
            }

            PreciseSleep.Until(intended);
            Dispatch(intended);
        }
    }

    private void Dispatch(long intended)
    {
        IRequestSlot? slot = null;
        lock (_gate)
        {
            if (_idle.Count > 0)
            {
                slot = _idle[^1];
                _idle.RemoveAt(_idle.Count - 1);
            }
            else
            {
                _pending.Enqueue(intended);
            }
        }

        Interlocked.Increment(ref _dispatched);
        if (intended >= _measureStart)
        {
            Interlocked.Increment(ref _dispatchedMeasured);
        }

        slot?.Send(intended);
    }

    private async Task WaitForConnectionsAsync(CancellationToken cancellation)
    {
        var deadline = Stopwatch.GetTimestamp() + ToTicks(TimeSpan.FromSeconds(5));
        while (Stopwatch.GetTimestamp() < deadline)
        {
            lock (_gate)
            {
                if (_idle.Count == _options.Slots)
                {
                    return;
                }
            }

            await Task.Delay(5, cancellation).ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (_idle.Count == 0)
            {
                throw new LoadGenException($"could not connect to {_options.Target.EndPoint} within 5 s ({Volatile.Read(ref _errors[(int)ErrorCause.Connect])} connect errors)");
            }
        }
    }

    private async Task DrainAsync(CancellationToken cancellation)
    {
        var deadline = Stopwatch.GetTimestamp() + ToTicks(_options.DrainTimeout);
        while (Finished < Dispatched && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(2, cancellation).ConfigureAwait(false);
        }

        // Whatever is still outstanding (sent or queued) never got an answer in time.
        var outstanding = Dispatched - Finished;
        if (outstanding > 0)
        {
            Interlocked.Add(ref _errors[(int)ErrorCause.Timeout], outstanding);
        }
    }

    private LoadResult BuildResult(long start, long measureStart, long scheduleEnd)
    {
        _latency.Collect();
        _service.Collect();
        _sendLag.Collect();
        var last = Volatile.Read(ref _lastCompletion);
        var measuredSeconds = Math.Max(last, scheduleEnd) > measureStart ? (Math.Max(last, scheduleEnd) - measureStart) / (double)Stopwatch.Frequency : 0;
        var statuses = new SortedDictionary<int, long>();
        for (var s = 0; s < _statusCounts.Length; s++)
        {
            if (_statusCounts[s] > 0)
            {
                statuses[s] = _statusCounts[s];
            }
        }

        var errors = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var cause in Enum.GetValues<ErrorCause>())
        {
            if (_errors[(int)cause] > 0)
            {
                errors[ErrorNames.Of(cause)] = _errors[(int)cause];
            }
        }

        return new LoadResult
        {
            Options = _options,
            WarmupSeconds = (measureStart - start) / (double)Stopwatch.Frequency,
            MeasuredSeconds = measuredSeconds,
            Scheduled = Volatile.Read(ref _dispatchedMeasured),
            CompletedMeasured = CompletedMeasured,
            CompletedWarmup = Volatile.Read(ref _completedWarmup),
            BodyBytes = Volatile.Read(ref _bodyBytes),
            Reconnects = Volatile.Read(ref _reconnects),
            GeneratorCpuSeconds = Environment.CpuUsage.TotalTime.TotalSeconds,
            Errors = errors,
            StatusCodes = statuses,
            Latency = LatencySummary.From(_latency.Total),
            ServiceTime = LatencySummary.From(_service.Total),
            SendLag = LatencySummary.From(_sendLag.Total),
        };
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static long ToNanoseconds(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));
}
