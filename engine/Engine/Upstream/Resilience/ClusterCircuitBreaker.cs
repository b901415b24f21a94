namespace Engine.Upstream.Resilience;

/// <summary>
/// The counters Envoy's circuit breakers act on for one cluster: open connections, requests
/// waiting for a connection, requests in flight, retries in flight. Lock-free; a request that
/// trips a limit gets 503 with <c>x-envoy-overloaded</c> (flag UO) and is never retried.
/// Kept across reloads for a cluster that stays, so the counts remain true.
/// </summary>
internal sealed class ClusterCircuitBreaker
{
    private long _connections;
    private long _pending;
    private long _requests;
    private long _retries;
    private long _overflows;
    private long _connectionOverflows;
    private CircuitBreakerThresholds _thresholds;

    public ClusterCircuitBreaker(CircuitBreakerThresholds thresholds) => _thresholds = thresholds;

    public CircuitBreakerThresholds Thresholds
    {
        get => Volatile.Read(ref _thresholds);
        set => Volatile.Write(ref _thresholds, value);
    }

    public long Connections => Interlocked.Read(ref _connections);

    public long PendingRequests => Interlocked.Read(ref _pending);

    public long ActiveRequests => Interlocked.Read(ref _requests);

    public long ActiveRetries => Interlocked.Read(ref _retries);

    /// <summary>Requests rejected by any limit so far (Envoy's upstream_rq_pending_overflow and friends).</summary>
    public long Overflows => Interlocked.Read(ref _overflows);

    /// <summary>
    /// Times a connection could not be opened within max connections (Envoy's upstream_cx_overflow):
    /// a TCP proxy connection is closed, an HTTP request waits as pending — or, for an endpoint with
    /// no connection at all, the connection is opened anyway (<see cref="ForceOpenConnection"/>).
    /// </summary>
    public long ConnectionOverflows => Interlocked.Read(ref _connectionOverflows);

    public bool TryStartRequest() => TryAcquire(ref _requests, Thresholds.MaxRequests);

    public void EndRequest() => Interlocked.Decrement(ref _requests);

    public bool TryStartRetry() => TryAcquire(ref _retries, Thresholds.RetryLimit(ActiveRequests, PendingRequests));

    public void EndRetry() => Interlocked.Decrement(ref _retries);

    public bool TryEnterPending() => TryAcquire(ref _pending, Thresholds.MaxPendingRequests);

    public void LeavePending() => Interlocked.Decrement(ref _pending);

    /// <summary>Reserves a connection slot; false when the cluster is at max connections.</summary>
    public bool TryOpenConnection() => TryAcquire(ref _connections, Thresholds.MaxConnections, countOverflow: false);

    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    /// <summary>
    /// Counts a connection opened past max connections. Envoy's pools do this for a host that has no
    /// connection at all, open or opening: otherwise requests queued for it would wait on
    /// connections that other hosts hold and may never release.
    /// </summary>
    public void ForceOpenConnection() => Interlocked.Increment(ref _connections);

    public void CountOverflow() => Interlocked.Increment(ref _overflows);

    public void CountConnectionOverflow() => Interlocked.Increment(ref _connectionOverflows);

    private bool TryAcquire(ref long counter, long limit, bool countOverflow = true)
    {
        while (true)
        {
            var current = Interlocked.Read(ref counter);
            if (current >= limit)
            {
                if (countOverflow)
                {
                    Interlocked.Increment(ref _overflows);
                }

                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current + 1, current) == current)
            {
                return true;
            }
        }
    }
}
