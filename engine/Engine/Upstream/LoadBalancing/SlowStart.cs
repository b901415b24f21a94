using Engine.Config.Model;

namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// DestinationRule <c>warmup</c> (or the deprecated <c>warmupDurationSecs</c>) as Envoy's slow start
/// (<c>slow_start_config</c>, ROUND_ROBIN and LEAST_REQUEST only): an endpoint that joins a cluster
/// after it was first built (a new pod, a new DNS address) has its weight scaled, for the window,
/// by <c>max(timeFactor^(1/aggression), minimumPercent/100)</c>, where timeFactor is the share of
/// the window gone by since it joined. Endpoints there from the start are never in slow start, as
/// in Envoy, so a restart does not starve a whole cluster.
/// </summary>
internal sealed record SlowStart(TimeSpan Window, double MinWeight, double Aggression, TimeProvider Time)
{
    /// <summary>Istio's defaults for what <c>warmup</c> leaves unset.</summary>
    public const double DefaultMinimumPercent = 10;

    public const double DefaultAggression = 1;

    /// <summary>The slow start a cluster's load-balancer settings ask for; null when none, or for a policy it does not apply to.</summary>
    public static SlowStart? From(LoadBalancerSettings? settings, TimeProvider time)
    {
        if (settings is null || settings.ConsistentHash is not null || settings.Simple is SimpleLb.Random or SimpleLb.Passthrough)
        {
            return null;
        }

        var (window, minimumPercent, aggression) = settings.Warmup is { } warmup
            ? (warmup.Duration, warmup.MinimumPercent ?? DefaultMinimumPercent, warmup.Aggression ?? DefaultAggression)
            : (settings.WarmupDurationSecs, DefaultMinimumPercent, DefaultAggression);
        if (window is not { } duration || duration <= TimeSpan.Zero)
        {
            return null;
        }

        // Envoy reads an aggression of 0 (or NaN) as 1.
        return new SlowStart(duration, minimumPercent / 100, aggression > 0 ? aggression : DefaultAggression, time);
    }

    /// <summary>The factor <paramref name="endpoint"/>'s weight is scaled by now: 1 once out of slow start.</summary>
    public double Factor(Endpoint endpoint)
    {
        if (endpoint.JoinedAt is not { } joinedAt)
        {
            return 1;
        }

        var inWindow = Time.GetElapsedTime(joinedAt);
        if (inWindow >= Window)
        {
            return 1;
        }

        // Envoy counts at least 1 ms, so a host never has weight 0 before the minimum applies.
        var timeFactor = Math.Max(1, inWindow.TotalMilliseconds) / Window.TotalMilliseconds;
        var scaled = Aggression == 1 ? timeFactor : Math.Pow(timeFactor, 1 / Aggression);
        return Math.Max(scaled, MinWeight);
    }
}
