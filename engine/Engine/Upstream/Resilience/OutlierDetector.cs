using System.Net;

namespace Engine.Upstream.Resilience;

/// <summary>
/// Envoy's outlier detection for one cluster (istio-semantics.md §4.5): consecutive 5xx (or
/// gateway errors, or local-origin failures when split) eject an endpoint for base × times-ejected
/// (capped), unless that would exceed the ejection percentage — though one host can always be
/// ejected. Ejected endpoints get no traffic until the interval timer returns them; with every
/// endpoint ejected the cluster answers 503 "no healthy upstream" (UH), unless the healthy share
/// is under minHealthPercent, in which case (panic) all endpoints are used.
/// </summary>
/// <remarks>
/// State is per endpoint address and survives reloads of the same cluster. Recording happens on
/// the request path and takes a lock only when an endpoint's ejection state changes.
/// </remarks>
internal sealed class OutlierDetector : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<IPEndPoint, EndpointHealth> _health = [];
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private Endpoint[] _endpoints = [];
    private Endpoint[] _healthy = [];
    private Endpoint[] _available = [];
    private long _ejections;

    public OutlierDetector(OutlierSettings settings, TimeProvider time)
    {
        Settings = settings;
        _time = time;
        _timer = time.CreateTimer(static s => ((OutlierDetector)s!).OnInterval(), this, settings.Interval, settings.Interval);
    }

    public OutlierSettings Settings { get; }

    /// <summary>Endpoints to balance over now (all of them in panic).</summary>
    public Endpoint[] Healthy => Volatile.Read(ref _healthy);

    /// <summary>
    /// The endpoints not ejected, panic or not: locality balancing decides panic per priority level
    /// itself, as Envoy does (the array is replaced, never changed, when the set changes).
    /// </summary>
    public Endpoint[] Available => Volatile.Read(ref _available);

    /// <summary>Ejections so far (a metric).</summary>
    public long Ejections => Interlocked.Read(ref _ejections);

    public bool IsEjected(Endpoint endpoint) => endpoint.Health?.Ejected == true;

    /// <summary>Attaches the current endpoints (after a reload), keeping the state of addresses that stay.</summary>
    public void Bind(Endpoint[] endpoints)
    {
        lock (_lock)
        {
            foreach (var endpoint in endpoints)
            {
                if (!_health.TryGetValue(endpoint.Address, out var health))
                {
                    health = new EndpointHealth();
                    _health[endpoint.Address] = health;
                }

                endpoint.Health = health;
            }

            _endpoints = endpoints;
            RebuildHealthy();
        }
    }

    /// <summary>An upstream answered with <paramref name="status"/>.</summary>
    public void RecordResponse(Endpoint endpoint, int status)
    {
        if (endpoint.Health is not { } health)
        {
            return;
        }

        var error = Settings.IsError(status);
        var gateway = OutlierSettings.IsGatewayError(status);
        if (!error && !gateway)
        {
            // Any good response resets the consecutive counters (of external errors; and of local
            // ones too unless they are counted separately).
            health.Consecutive5xx = 0;
            health.ConsecutiveGatewayErrors = 0;
            if (!Settings.SplitLocalOrigin)
            {
                health.ConsecutiveLocalOriginFailures = 0;
            }

            return;
        }

        var c5xx = error ? Interlocked.Increment(ref health.Consecutive5xx) : 0;
        var cgw = gateway ? Interlocked.Increment(ref health.ConsecutiveGatewayErrors) : 0;
        if ((Settings.Consecutive5xx > 0 && c5xx >= Settings.Consecutive5xx)
            || (Settings.ConsecutiveGatewayErrors > 0 && cgw >= Settings.ConsecutiveGatewayErrors))
        {
            TryEject(endpoint, health);
        }
    }

    /// <summary>
    /// A failure that originated here: connect failure or timeout, reset. Without the split it
    /// counts as a 5xx and a gateway error (Envoy maps it to 503); with it, only locally.
    /// </summary>
    public void RecordLocalFailure(Endpoint endpoint)
    {
        if (endpoint.Health is not { } health)
        {
            return;
        }

        if (Settings.SplitLocalOrigin)
        {
            if (Settings.ConsecutiveLocalOriginFailures > 0 && Interlocked.Increment(ref health.ConsecutiveLocalOriginFailures) >= Settings.ConsecutiveLocalOriginFailures)
            {
                TryEject(endpoint, health);
            }

            return;
        }

        RecordResponse(endpoint, 503);
    }

    /// <summary>A request on a local-origin path succeeded (connected and got an answer).</summary>
    public void RecordLocalSuccess(Endpoint endpoint)
    {
        if (endpoint.Health is { } health && Settings.SplitLocalOrigin)
        {
            health.ConsecutiveLocalOriginFailures = 0;
        }
    }

    /// <summary>
    /// A TCP proxy connection was established: for an L4 connection that is the whole outcome
    /// (Envoy's LocalOriginConnectSuccessFinal). Without the split it counts as a good response
    /// (Envoy maps it to 200) and resets every consecutive counter; with it, the local ones.
    /// </summary>
    public void RecordConnectSuccessFinal(Endpoint endpoint)
    {
        if (Settings.SplitLocalOrigin)
        {
            RecordLocalSuccess(endpoint);
            return;
        }

        RecordResponse(endpoint, 200);
    }

    private void TryEject(Endpoint endpoint, EndpointHealth health)
    {
        lock (_lock)
        {
            if (health.Ejected)
            {
                return;
            }

            var ejected = 0;
            foreach (var e in _endpoints)
            {
                ejected += e.Health?.Ejected == true ? 1 : 0;
            }

            // At most maxEjectionPercent of the hosts, but one host may always be ejected.
            if (ejected > 0 && (ejected + 1) * 100 > _endpoints.Length * Settings.MaxEjectionPercent)
            {
                return;
            }

            health.EjectionCount++;
            health.Ejected = true;
            var duration = Settings.BaseEjectionTime * health.EjectionCount;
            if (duration > Settings.MaxEjectionTime)
            {
                duration = Settings.MaxEjectionTime;
            }

            health.EjectedUntil = _time.GetTimestamp() + (long)(duration.TotalSeconds * _time.TimestampFrequency);
            health.Consecutive5xx = 0;
            health.ConsecutiveGatewayErrors = 0;
            health.ConsecutiveLocalOriginFailures = 0;
            Interlocked.Increment(ref _ejections);
            RebuildHealthy();
        }
    }

    /// <summary>Envoy's interval tick: return endpoints whose time is up; healthy ones slowly earn back a shorter next ejection.</summary>
    internal void OnInterval()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var changed = false;
            foreach (var endpoint in _endpoints)
            {
                if (endpoint.Health is not { } health)
                {
                    continue;
                }

                if (health.Ejected && now >= health.EjectedUntil)
                {
                    health.Ejected = false;
                    changed = true;
                }
                else if (!health.Ejected && health.EjectionCount > 0)
                {
                    health.EjectionCount--;
                }
            }

            if (changed)
            {
                RebuildHealthy();
            }
        }
    }

    private void RebuildHealthy()
    {
        var available = _endpoints.Where(e => e.Health?.Ejected != true).ToArray();

        // Panic: below minHealthPercent healthy, Envoy balances over every host (Istio's default 0
        // disables it) — but never while the 1.4 overprovisioning still counts the hosts left as
        // whole (140 × healthy ÷ hosts ≥ 100), which matters for thresholds above 71%.
        var healthy = available;
        if (_endpoints.Length > 0 && available.Length * 100 < _endpoints.Length * Settings.MinHealthPercent && available.Length * 140 < _endpoints.Length * 100)
        {
            healthy = _endpoints;
        }

        Volatile.Write(ref _available, available);
        Volatile.Write(ref _healthy, healthy);
    }

    public void Dispose() => _timer.Dispose();
}
