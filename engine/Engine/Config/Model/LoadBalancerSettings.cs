namespace Engine.Config.Model;

/// <summary>
/// Load balancing; <see cref="Simple"/> and <see cref="ConsistentHash"/> are a oneof (both null:
/// Istio's default, LEAST_REQUEST).
/// </summary>
internal sealed record LoadBalancerSettings : ModelNode
{
    public SimpleLb? Simple { get; init; }

    public ConsistentHashLb? ConsistentHash { get; init; }

    public LocalityLoadBalancerSetting? LocalityLbSetting { get; init; }

    /// <summary>Deprecated; use <see cref="Warmup"/>.</summary>
    public TimeSpan? WarmupDurationSecs { get; init; }

    public WarmupConfiguration? Warmup { get; init; }
}

/// <summary>LoadBalancerSettings.SimpleLB.</summary>
internal enum SimpleLb
{
    Unspecified = 0,

    /// <summary>Deprecated alias of <see cref="LeastRequest"/>.</summary>
    LeastConn = 1,
    Random = 2,
    Passthrough = 3,
    RoundRobin = 4,
    LeastRequest = 5,
}
