using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>A rule for non-terminated TLS, routed on SNI.</summary>
internal sealed record TlsRoute : ModelNode
{
    public ImmutableArray<TlsMatchAttributes> Match { get; init; } = [];

    public ImmutableArray<RouteDestination> Route { get; init; } = [];
}

/// <summary>TLS match: SNI (required) plus L4 attributes.</summary>
internal sealed record TlsMatchAttributes : ModelNode
{
    public ImmutableArray<string> SniHosts { get; init; } = [];

    public ImmutableArray<string> DestinationSubnets { get; init; } = [];

    public uint Port { get; init; }

    public OrderedMap<string> SourceLabels { get; init; } = OrderedMap<string>.Empty;

    public ImmutableArray<string> Gateways { get; init; } = [];

    public string SourceNamespace { get; init; } = "";
}
