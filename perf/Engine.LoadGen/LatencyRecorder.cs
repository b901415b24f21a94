using HdrHistogram;

namespace Engine.LoadGen;

/// <summary>
/// Wait-free recording from the connections' threads (HdrHistogram <see cref="Recorder"/> over a
/// concurrent histogram), in nanoseconds from 1 ns to 60 s at 3 significant digits; the
/// progress thread moves each interval into a running total.
/// </summary>
internal sealed class LatencyRecorder
{
    public const long MaxNanoseconds = 60_000_000_000;

    private readonly Recorder _recorder = new(1, MaxNanoseconds, 3, static (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));
    private readonly LongHistogram _total = new(1, MaxNanoseconds, 3);
    private readonly Lock _collect = new();
    private HistogramBase? _interval;

    public void Record(long nanoseconds) => _recorder.RecordValue(Math.Clamp(nanoseconds, 1, MaxNanoseconds));

    /// <summary>Takes what was recorded since the last call, adds it to the total and returns it (valid until the next call).</summary>
    public HistogramBase Collect()
    {
        lock (_collect)
        {
            _interval = _recorder.GetIntervalHistogram(_interval);
            _total.Add(_interval);
            return _interval;
        }
    }

    /// <summary>Everything recorded up to the last <see cref="Collect"/>.</summary>
    public HistogramBase Total => _total;
}
