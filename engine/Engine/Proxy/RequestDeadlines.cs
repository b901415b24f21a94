using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// The route timeout and the per-try timeout of the request a connection is forwarding, on one
/// timer the session reuses for all its requests (created the first time a route has a timeout;
/// re-armed with Change, no allocation). When a deadline passes, the upstream request in flight
/// is aborted — its read completes at once — and the token is cancelled for anything waiting
/// without an upstream (connect, a pending-connection queue, back-off).
/// </summary>
internal sealed class RequestDeadlines : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private CancellationTokenSource _cancellation = new();
    private long _routeDeadline;   // timestamp, 0 = none
    private long _tryDeadline;     // timestamp, 0 = none
    private IAbortableUpstream? _upstream;
    private volatile int _expired; // 0 none, 1 per-try, 2 route

    public RequestDeadlines(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static s => ((RequestDeadlines)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public bool RouteExpired => _expired == 2;

    public bool TryExpired => _expired == 1;

    /// <summary>Cancelled when the route deadline passes.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Starts a request: the route timeout, if any, counts from now and bounds every attempt.</summary>
    public void Begin(TimeSpan? routeTimeout)
    {
        _expired = 0;
        _tryDeadline = 0;
        _upstream = null;
        if (_cancellation.IsCancellationRequested || !_cancellation.TryReset())
        {
            _cancellation.Dispose();
            _cancellation = new CancellationTokenSource();
        }

        _routeDeadline = routeTimeout is { } t ? _time.GetTimestamp() + Ticks(t) : 0;
        Arm();
    }

    /// <summary>Starts an attempt on <paramref name="upstream"/> with its own timeout, if any.</summary>
    public void BeginTry(IAbortableUpstream upstream, TimeSpan? perTryTimeout)
    {
        if (_expired == 1)
        {
            _expired = 0; // the previous try's expiry is spent
        }

        Volatile.Write(ref _upstream, upstream);
        _tryDeadline = perTryTimeout is { } t ? _time.GetTimestamp() + Ticks(t) : 0;
        Arm();
    }

    /// <summary>The attempt is over (the response head arrived, or it failed): only the route deadline remains.</summary>
    public void EndTry()
    {
        Volatile.Write(ref _upstream, null);
        _tryDeadline = 0;
        Arm();
    }

    /// <summary>The request is over: nothing may fire for it any more.</summary>
    public void End()
    {
        Volatile.Write(ref _upstream, null);
        _routeDeadline = 0;
        _tryDeadline = 0;
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cancellation.Dispose();
    }

    private void Arm()
    {
        var next = _routeDeadline == 0 ? _tryDeadline : _tryDeadline == 0 ? _routeDeadline : Math.Min(_routeDeadline, _tryDeadline);
        if (next == 0)
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var due = _time.GetElapsedTime(_time.GetTimestamp(), next);
        _timer.Change(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        var now = _time.GetTimestamp();
        if (_routeDeadline != 0 && now >= _routeDeadline)
        {
            _expired = 2;
        }
        else if (_tryDeadline != 0 && now >= _tryDeadline)
        {
            _expired = 1;
        }
        else
        {
            Arm(); // fired early (a deadline moved); try again
            return;
        }

        Volatile.Read(ref _upstream)?.Abort();
        if (_expired == 2)
        {
            // Only the route timeout ends the request; a per-try expiry just ends the attempt.
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The session ended meanwhile.
            }
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);
}
