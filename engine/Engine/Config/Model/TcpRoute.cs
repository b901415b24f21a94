using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>A rule for opaque TCP traffic.</summary>
internal sealed record TcpRoute : ModelNode
{
    public ImmutableArray<L4MatchAttributes> Match { get; init; } = [];

    public ImmutableArray<RouteDestination> Route { get; init; } = [];
}

/// <summary>L4 match; only <see cref="DestinationSubnets"/> is a runtime match.</summary>
internal sealed record L4MatchAttributes : ModelNode
{
    public ImmutableArray<string> DestinationSubnets { get; init; } = [];

    public uint Port { get; init; }

    /// <summary>Hidden from Istio's docs; accepted so existing YAML loads.</summary>
    public string SourceSubnet { get; init; } = "";

    public OrderedMap<string> SourceLabels { get; init; } = OrderedMap<string>.Empty;

    public ImmutableArray<string> Gateways { get; init; } = [];

    public string SourceNamespace { get; init; } = "";
}
