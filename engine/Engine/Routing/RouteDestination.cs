using Engine.Upstream;

namespace Engine.Routing;

/// <summary>
/// One <c>route[]</c> entry resolved against the registry: the cluster(s) it can send to and
/// its weight. When <c>destination.port</c> is omitted and the service has several ports, the
/// port is the one the request is addressed to (istio-semantics.md §3.4), so the cluster is
/// chosen per request from <see cref="ClustersByPort"/>.
/// </summary>
internal sealed class RouteDestination
{
    public RouteDestination(string host, string? subset, int? port, int weight, Cluster? fixedCluster, (int Port, Cluster Cluster)[] clustersByPort)
    {
        Host = host;
        Subset = subset;
        Port = port;
        Weight = weight;
        FixedCluster = fixedCluster;
        ClustersByPort = clustersByPort;
    }

    public string Host { get; }

    public string? Subset { get; }

    public int? Port { get; }

    public int Weight { get; }

    /// <summary>The cluster when it does not depend on the request port; null otherwise or when unknown.</summary>
    public Cluster? FixedCluster { get; }

    public (int Port, Cluster Cluster)[] ClustersByPort { get; }

    /// <summary>This destination's own <c>headers.request</c> edits.</summary>
    public Actions.HeaderEdits RequestEdits { get; init; } = Actions.HeaderEdits.None;

    /// <summary>This destination's own <c>headers.response</c> edits.</summary>
    public Actions.HeaderEdits ResponseEdits { get; init; } = Actions.HeaderEdits.None;

    /// <summary>A host rewrite from this destination's request set/add of <c>:authority</c>/<c>host</c>.</summary>
    public byte[]? AuthorityRewrite { get; init; }

    /// <summary>The cluster for a request on <paramref name="requestPort"/>, or null: Envoy's 503 NC ("cluster not found").</summary>
    public Cluster? Resolve(int requestPort)
    {
        if (FixedCluster is not null)
        {
            return FixedCluster;
        }

        foreach (var (port, cluster) in ClustersByPort)
        {
            if (port == requestPort)
            {
                return cluster;
            }
        }

        return null;
    }

    public override string ToString()
        => Cluster.NameFor(Port ?? FixedCluster?.Port ?? 0, Subset, Host) + (Weight > 0 ? $" weight {Weight}" : string.Empty);
}
