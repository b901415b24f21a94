using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>
/// istio.networking.v1alpha3.VirtualService (same schema for v1 and v1beta1). Hosts are kept as
/// written; resolve short names with <see cref="IstioHost.ResolveShortName"/> and the resource namespace.
/// </summary>
internal sealed record VirtualService : ModelNode
{
    /// <summary>Empty for a delegate VirtualService.</summary>
    public ImmutableArray<string> Hosts { get; init; } = [];

    /// <summary>Empty means <c>mesh</c> (sidecars only).</summary>
    public ImmutableArray<string> Gateways { get; init; } = [];

    /// <summary>Ordered; the first matching rule wins.</summary>
    public ImmutableArray<HttpRoute> Http { get; init; } = [];

    public ImmutableArray<TlsRoute> Tls { get; init; } = [];

    public ImmutableArray<TcpRoute> Tcp { get; init; } = [];

    public ImmutableArray<string> ExportTo { get; init; } = [];

    /// <summary>True when sidecars apply this VirtualService: no gateways, or <c>mesh</c> among them.</summary>
    public bool AppliesToMesh => Gateways.IsEmpty || Gateways.Contains(IstioHost.MeshGateway);

    /// <summary>A delegate VirtualService has no hosts and is only reachable from a root's <c>delegate</c>.</summary>
    public bool IsDelegate => Hosts.IsEmpty;
}
