using Engine.Routing;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// One immutable, compiled configuration: the route table and the clusters it points at. The
/// proxy reads it once per request; a reload builds a new one and publishes it with one
/// reference write, so a request finishes on the configuration it started with.
/// </summary>
internal sealed class RuntimeConfig
{
    public RuntimeConfig(RouteTable routes, IReadOnlyDictionary<string, Cluster> clusters, long version, DateTimeOffset loadedAt)
    {
        Routes = routes;
        Clusters = clusters;
        Version = version;
        LoadedAt = loadedAt;
    }

    public static RuntimeConfig Empty { get; } = new(RouteTable.Empty, new Dictionary<string, Cluster>(), 0, DateTimeOffset.UnixEpoch);

    public RouteTable Routes { get; }

    public IReadOnlyDictionary<string, Cluster> Clusters { get; }

    public long Version { get; }

    public DateTimeOffset LoadedAt { get; }

    /// <summary>Services by original destination and compiled <c>tcp[]</c> routes, for transparent mode (Engine.Interception).</summary>
    public Interception.DestinationIndex Destinations { get; init; } = Interception.DestinationIndex.Empty;

    /// <summary>The workload's mesh certificates ISTIO_MUTUAL used when this configuration was built; null: none.</summary>
    public Upstream.Tls.WorkloadCertificates? Workload { get; init; }
}
