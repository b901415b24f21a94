namespace Engine.Interception;

/// <summary>
/// Cancels an L4 connection when no byte has moved for the idle timeout. Activity is one
/// timestamp write; the timer re-arms itself for the time left instead of firing per byte.
/// One that is never touched is a deadline from its creation (the maximum connection duration).
/// </summary>
internal sealed class IdleWatch : IDisposable
{
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _cancel;
    private readonly ITimer? _timer;
    private long _lastActivity;
    private volatile bool _fired;

    public IdleWatch(TimeSpan timeout, TimeProvider time, CancellationTokenSource cancel)
    {
        _timeout = timeout;
        _time = time;
        _cancel = cancel;
        _lastActivity = time.GetTimestamp();
        if (timeout > TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            _timer = time.CreateTimer(static s => ((IdleWatch)s!).Check(), this, timeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>True once the timeout ended the connection.</summary>
    public bool Fired => _fired;

    public void Touch() => Volatile.Write(ref _lastActivity, _time.GetTimestamp());

    private void Check()
    {
        var idle = _time.GetElapsedTime(Volatile.Read(ref _lastActivity));
        if (idle < _timeout)
        {
            _timer?.Change(_timeout - idle, Timeout.InfiniteTimeSpan);
            return;
        }

        _fired = true;
        try
        {
            _cancel.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection ended as the timer fired.
        }
    }

    public void Dispose() => _timer?.Dispose();
}
