using System.IO.Pipelines;

namespace Engine.Proxy;

/// <summary>
/// The timer a downstream connection waits on between requests and while a request head
/// arrives: when it fires, the pending read is cancelled and the session sees why. One timer per
/// connection, re-armed with Change (no allocation per request).
/// </summary>
internal sealed class ConnectionTimer : IDisposable
{
    private readonly PipeReader _input;
    private readonly ITimer _timer;
    private volatile int _fired; // 0 none, else the ConnectionWait that expired
    private ConnectionWait _armed;

    public ConnectionTimer(TimeProvider time, PipeReader input)
    {
        _input = input;
        _timer = time.CreateTimer(static s => ((ConnectionTimer)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>What expired, if anything, since the last <see cref="Arm"/>.</summary>
    public ConnectionWait Fired => (ConnectionWait)_fired;

    /// <summary>What the timer is armed for now.</summary>
    public ConnectionWait Armed => _armed;

    public void Arm(ConnectionWait wait, TimeSpan timeout)
    {
        _fired = 0;
        _armed = wait;
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    public void Disarm()
    {
        if (_armed != ConnectionWait.None)
        {
            _armed = ConnectionWait.None;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose() => _timer.Dispose();

    private void OnTimer()
    {
        var armed = _armed;
        if (armed == ConnectionWait.None)
        {
            return;
        }

        _fired = (int)armed;
        _input.CancelPendingRead();
    }
}

/// <summary>What a downstream connection is waiting for.</summary>
internal enum ConnectionWait
{
    None = 0,

    /// <summary>The next request of a keep-alive connection (idle timeout: close silently).</summary>
    NextRequest = 1,

    /// <summary>The rest of a request head (head timeout: 408 and close).</summary>
    RequestHead = 2,
}
