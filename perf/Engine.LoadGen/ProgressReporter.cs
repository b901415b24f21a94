using System.Diagnostics;
using System.Globalization;
using HdrHistogram;

namespace Engine.LoadGen;

/// <summary>
/// Prints one line per interval while a run goes: elapsed time, what was sent and answered,
/// the rate of answers in the interval, its p50/p99/max latency, the queue and errors. Also
/// moves the recorders' intervals into their totals, so it runs even when printing is off.
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    private readonly LoadRun _run;
    private readonly TextWriter _output;
    private readonly long _start;
    private readonly long _measureStart;
    private readonly bool _print;
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private long _lastFinished;
    private long _lastTimestamp;
    private bool _stopped;

    public ProgressReporter(LoadRun run, TextWriter output, long start, long measureStart, TimeSpan interval)
    {
        _run = run;
        _output = output;
        _start = start;
        _measureStart = measureStart;
        _print = interval > TimeSpan.Zero;
        _lastTimestamp = start;
        var period = _print ? interval : TimeSpan.FromSeconds(1);
        _timer = new Timer(static s => ((ProgressReporter)s!).Tick(), this, period, period);
    }

    public void Stop()
    {
        lock (_lock)
        {
            _stopped = true;
        }

        _timer.Dispose();
    }

    public void Dispose() => Stop();

    private void Tick()
    {
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            var now = Stopwatch.GetTimestamp();
            var interval = _run.Latency.Collect();
            _run.Service.Collect();
            _run.SendLag.Collect();
            if (!_print)
            {
                return;
            }

            var finished = _run.Finished;
            var seconds = (now - _lastTimestamp) / (double)Stopwatch.Frequency;
            var rps = seconds > 0 ? (finished - _lastFinished) / seconds : 0;
            _lastFinished = finished;
            _lastTimestamp = now;
            var phase = now < _measureStart ? "warmup" : "run";
            var line = string.Create(CultureInfo.InvariantCulture,
                $"[{(now - _start) / (double)Stopwatch.Frequency,6:F1}s {phase,-6}] sent {_run.Dispatched,9}  done {finished,9}  {rps,8:F0} rps  " +
                $"p50 {Ms(interval.TotalCount == 0 ? 0 : interval.GetValueAtPercentile(50))}  p99 {Ms(interval.TotalCount == 0 ? 0 : interval.GetValueAtPercentile(99))}  " +
                $"max {Ms(interval.TotalCount == 0 ? 0 : interval.GetMaxValue())}  queued {_run.Queued,6}  errors {_run.ErrorCount}");
            _output.WriteLine(line);
        }
    }

    private static string Ms(long nanoseconds) => (nanoseconds / 1e6).ToString("F3", CultureInfo.InvariantCulture) + "ms";
}
