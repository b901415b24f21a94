namespace Engine.Routing.Policies;

/// <summary>
/// The timeouts one request runs under, in milliseconds (0 = none), as Envoy's router settles them
/// (FilterUtility::finalTimeout) from the route and the request headers, and the value it tells the
/// upstream (setTimeoutHeaders). Istio sets max_grpc_timeout to the route timeout (0 when the
/// VirtualService has none; istio-semantics.md §3.9), so a gRPC request's grpc-timeout is its
/// timeout, capped by the route's.
/// </summary>
internal readonly record struct RequestTimeouts(long GlobalMs, long PerTryMs)
{
    public bool Any => GlobalMs != 0 || PerTryMs != 0;

    public TimeSpan? Global => GlobalMs == 0 ? null : TimeSpan.FromMilliseconds(GlobalMs);

    public TimeSpan? PerTry => PerTryMs == 0 ? null : TimeSpan.FromMilliseconds(PerTryMs);

    /// <param name="routeMs">The route's timeout (0 = none).</param>
    /// <param name="routePerTryMs">The retry policy's per-try timeout (0 = none).</param>
    /// <param name="grpcRequest">content-type application/grpc[+…]: then the route timeout is only a cap on grpc-timeout.</param>
    /// <param name="grpcTimeoutMs">grpc-timeout, or -1 when absent or malformed.</param>
    /// <param name="headerTimeoutMs">x-envoy-upstream-rq-timeout-ms, or -1: wins over both (0 = none).</param>
    /// <param name="headerPerTryMs">x-envoy-upstream-rq-per-try-timeout-ms, or -1.</param>
    public static RequestTimeouts Compute(long routeMs, long routePerTryMs, bool grpcRequest, long grpcTimeoutMs, long headerTimeoutMs, long headerPerTryMs)
    {
        var global = routeMs;
        if (grpcRequest)
        {
            // No grpc-timeout means an infinite deadline, which the cap (if any) then bounds.
            global = grpcTimeoutMs < 0 ? 0 : grpcTimeoutMs;
            if (routeMs != 0 && (global == 0 || global > routeMs))
            {
                global = routeMs;
            }
        }

        if (headerTimeoutMs >= 0)
        {
            global = headerTimeoutMs;
        }

        var perTry = headerPerTryMs >= 0 ? headerPerTryMs : routePerTryMs;

        // A per-try timeout that the global one would cut anyway is dropped (Envoy).
        if (global != 0 && perTry >= global)
        {
            perTry = 0;
        }

        return new RequestTimeouts(global, perTry);
    }

    /// <summary>
    /// x-envoy-expected-rq-timeout-ms for an attempt starting <paramref name="elapsedMs"/> into the
    /// request: the per-try timeout, else the global one, never past what is left of the global one
    /// (1 once it is spent: 0 would read as "no timeout"). 0 when there is no timeout to tell.
    /// </summary>
    public long ExpectedMs(long elapsedMs)
    {
        var expected = PerTryMs != 0 ? PerTryMs : GlobalMs;
        if (expected == 0 || GlobalMs == 0)
        {
            return expected;
        }

        return elapsedMs >= GlobalMs ? 1 : Math.Min(expected, GlobalMs - elapsedMs);
    }

    /// <summary>A duration in whole milliseconds, 0 for none (route durations come from YAML and may carry finer units).</summary>
    public static long Milliseconds(TimeSpan? duration)
        => duration is { } d && d > TimeSpan.Zero ? Math.Max(1, (long)Math.Ceiling(d.TotalMilliseconds)) : 0;
}
