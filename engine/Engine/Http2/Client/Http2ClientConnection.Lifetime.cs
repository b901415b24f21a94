using Engine.Protocols.Http2;

namespace Engine.Http2.Client;

/// <summary>
/// How long the connection serves (<see cref="Http2ClientLifetime"/>), as Envoy's upstream HTTP/2
/// connections do:
/// <list type="bullet">
/// <item>After <c>maxRequestsPerConnection</c> streams, or once older than <c>maxConnectionDuration</c>,
/// it retires: it takes no new stream, its streams in flight finish, then it drains and closes (the
/// next request opens a new connection, so long-lived gRPC clients spread over new pods). It does
/// not enter the Draining phase at once, because a stream already opened but not yet on the wire
/// would be refused there; it drains when its last stream ends.</item>
/// <item>The age is checked when a stream is opened (an old connection never takes one) and by the
/// pool's sweep (an idle old connection closes without waiting for a request).</item>
/// <item>With no stream for the idle timeout it closes gracefully. Idleness is what the pool's
/// sweeps saw, not a clock read at every stream's end, so the close comes between the timeout and
/// the timeout plus two sweep intervals after the last stream — never before.</item>
/// <item>With a keep-alive, a PING goes out an interval (plus Envoy's 15% jitter) after the last
/// ACK; one whose ACK has not come within the timeout ends the connection at once, its streams
/// lost with it (Envoy's connection_keepalive). As in Envoy, every read of frames while a PING is
/// out restarts its timeout: a busy connection is alive, and the ACK may be queued behind them.
/// One timer per connection, nothing per stream.</item>
/// </list>
/// </summary>
internal sealed partial class Http2ClientConnection
{
    private long _createdAt;
    private long _streamsOpened;
    private volatile bool _retiring;

    // Idleness as the sweeps saw it (see the summary).
    private long _streamsOpenedAtSweep;
    private long _idleSince;
    private bool _busyAtSweep;

    // Keep-alive: one timer, armed for the interval, then for the timeout while a PING is out.
    private ITimer? _keepAliveTimer;
    private long _keepAliveFrom;
    private TimeSpan _keepAliveWait;         // the interval before the next PING, with its jitter
    private ulong _pingData;
    private volatile bool _pingOutstanding;  // read without the lock after every read of frames

    private Http2ClientLifetime Lifetime => Options.ClientLifetime;

    /// <summary>
    /// The pool's periodic sweep (<paramref name="now"/> is a timestamp of the options' TimeProvider):
    /// a connection past its age retires, one idle past the idle timeout drains (it has no stream,
    /// so it closes at once).
    /// </summary>
    internal void Sweep(long now)
    {
        using (Sync.EnterScope())
        {
            if (PhaseValue != Http2ConnectionPhase.Open || _retiring)
            {
                return;
            }

            var maxAge = Lifetime.MaxAge;
            if (maxAge > TimeSpan.Zero && Options.Time.GetElapsedTime(_createdAt, now) >= maxAge)
            {
                RetireLocked();
            }
            else if (IdleExpiredLocked(now))
            {
                StartDrainLocked();
            }
        }

        RunDeferred();
    }

    /// <summary>From the constructor (lock): the clock the lifetime is measured from, and the keep-alive timer.</summary>
    private void StartLifetimeLocked()
    {
        _createdAt = Options.Time.GetTimestamp();
        _idleSince = _createdAt;
        if (Lifetime.KeepsAlive)
        {
            // Made under the lock its callback takes, so the callback always finds it.
            _keepAliveFrom = _createdAt;
            _keepAliveWait = Lifetime.NextKeepAliveInterval(Random.Shared);
            _keepAliveTimer = Options.Time.CreateTimer(
                static s => ((Http2ClientConnection)s!).OnKeepAliveTimer(), this, _keepAliveWait, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>A stream was opened (lock): the one that reaches <c>maxRequestsPerConnection</c> is the last.</summary>
    private void CountLifetimeStreamLocked()
    {
        _streamsOpened++;
        var max = Lifetime.MaxStreams;
        if (max > 0 && _streamsOpened >= max)
        {
            RetireLocked();
        }
    }

    /// <summary>Past <c>maxConnectionDuration</c> (lock): then it retires and takes no stream. Reads the clock only when a maximum is set.</summary>
    private bool AgedOutLocked()
    {
        var maxAge = Lifetime.MaxAge;
        if (maxAge <= TimeSpan.Zero || Options.Time.GetElapsedTime(_createdAt) < maxAge)
        {
            return false;
        }

        RetireLocked();
        return true;
    }

    /// <summary>
    /// No new streams from now on (lock); the pool is told, and the connection drains once its
    /// streams are done (at once when it has none).
    /// </summary>
    private void RetireLocked()
    {
        if (_retiring)
        {
            return;
        }

        _retiring = true;
        Defer(Http2DeferredKind.NotifyOwner);
        if (ActiveStreamCount == 0)
        {
            StartDrainLocked();
        }

        // The pool may hold its own lock around this (TryOpenStream, while it walks its connections),
        // so the deferred work — telling the pool, which then drops the connection from its list —
        // runs from the thread pool. Once per connection.
        ThreadPool.UnsafeQueueUserWorkItem(static c => c.RunDeferred(), this, preferLocal: false);
    }

    /// <summary>A retired connection's stream slot freed (outside the lock): with none left, it drains and closes.</summary>
    private void DrainIfIdle()
    {
        using (Sync.EnterScope())
        {
            if (ActiveStreamCount == 0)
            {
                StartDrainLocked();
            }
        }

        // Called from the deferred work being run, which runs what this deferred too.
    }

    /// <summary>Whether the connection has had no stream for the idle timeout, as far as the sweeps can tell (lock).</summary>
    private bool IdleExpiredLocked(long now)
    {
        var opened = _streamsOpened != _streamsOpenedAtSweep;
        _streamsOpenedAtSweep = _streamsOpened;
        if (ActiveStreamCount > 0)
        {
            _busyAtSweep = true;
            return false;
        }

        if (opened || _busyAtSweep)
        {
            // It went idle some time since the last sweep: count from now, never from before.
            _busyAtSweep = false;
            _idleSince = now;
        }

        var timeout = Lifetime.IdleTimeout;
        return timeout > TimeSpan.Zero && Options.Time.GetElapsedTime(_idleSince, now) >= timeout;
    }

    /// <summary>
    /// The keep-alive timer: time for a PING (then wait the timeout for its ACK), or the timeout
    /// passed without one (then the connection is given up). A call that comes early or stale (the
    /// ACK re-armed the timer meanwhile) re-arms for what is left.
    /// </summary>
    private void OnKeepAliveTimer()
    {
        using (Sync.EnterScope())
        {
            if (PhaseValue >= Http2ConnectionPhase.Closing || _keepAliveTimer is not { } timer)
            {
                return;
            }

            var now = Options.Time.GetTimestamp();
            var wait = _pingOutstanding ? Lifetime.KeepAliveTimeout : _keepAliveWait;
            var waited = Options.Time.GetElapsedTime(_keepAliveFrom, now);
            if (waited < wait)
            {
                timer.Change(wait - waited, Timeout.InfiniteTimeSpan);
                return;
            }

            if (_pingOutstanding)
            {
                // The server (or the path to it) stopped answering: like Envoy, close without
                // waiting to flush; streams in flight end as a connection loss.
                FailLocked(Http2Error.None, abortive: true);
            }
            else
            {
                _pingOutstanding = true;
                _keepAliveFrom = now;
                QueuePingLocked(++_pingData);
                timer.Change(Lifetime.KeepAliveTimeout, Timeout.InfiniteTimeSpan);
            }
        }

        RunDeferred();
    }

    /// <summary>Our PING came back (§6.7: the ACK carries its data): the next one goes out an interval from now.</summary>
    protected override void OnPingAckLocked(ulong data)
    {
        if (!_pingOutstanding || data != _pingData || _keepAliveTimer is not { } timer)
        {
            return;
        }

        _pingOutstanding = false;
        _keepAliveFrom = Options.Time.GetTimestamp();
        _keepAliveWait = Lifetime.NextKeepAliveInterval(Random.Shared);
        timer.Change(_keepAliveWait, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Frames came in while a PING is out: its timeout starts again from now (the timer, when it
    /// fires, finds it early and waits out the rest). A read that carried the ACK finds none out.
    /// Response heads held for the rest of the read are let go.
    /// </summary>
    protected override void OnFramesRead()
    {
        if (_heldHeads.Count != 0)
        {
            ReleaseHeldHeads();
        }

        if (!_pingOutstanding)
        {
            return;
        }

        using (Sync.EnterScope())
        {
            if (_pingOutstanding)
            {
                _keepAliveFrom = Options.Time.GetTimestamp();
            }
        }
    }

    /// <summary>The connection is over: its keep-alive timer goes with it.</summary>
    protected override Task OnClosedAsync()
    {
        ITimer? timer;
        using (Sync.EnterScope())
        {
            timer = _keepAliveTimer;
            _keepAliveTimer = null;
        }

        timer?.Dispose();
        return Task.CompletedTask;
    }
}
