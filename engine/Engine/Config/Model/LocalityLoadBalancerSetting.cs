using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>Locality-weighted distribution or failover; overrides the mesh setting entirely.</summary>
internal sealed record LocalityLoadBalancerSetting : ModelNode
{
    public ImmutableArray<LocalityDistribute> Distribute { get; init; } = [];

    public ImmutableArray<LocalityFailover> Failover { get; init; } = [];

    public ImmutableArray<string> FailoverPriority { get; init; } = [];

    public bool? Enabled { get; init; }
}

/// <summary>Traffic from <see cref="From"/> spread over <see cref="To"/> localities by weight (sum 100).</summary>
internal sealed record LocalityDistribute : ModelNode
{
    public string From { get; init; } = "";

    public OrderedMap<uint> To { get; init; } = OrderedMap<uint>.Empty;
}

/// <summary>Region-level failover.</summary>
internal sealed record LocalityFailover : ModelNode
{
    public string From { get; init; } = "";

    public string To { get; init; } = "";
}
