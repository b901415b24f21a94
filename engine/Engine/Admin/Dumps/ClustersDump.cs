namespace Engine.Admin.Dumps;

/// <summary><c>/clusters?format=json</c>: live state of every cluster's endpoints.</summary>
internal sealed record ClustersDump(IReadOnlyList<ClusterStatusDump> Clusters);

internal sealed record ClusterStatusDump(string Name, IReadOnlyList<HostStatusDump> Hosts);

/// <summary>
/// One endpoint: in-flight requests, open/idle/total upstream connections, and its health
/// (ejected by outlier detection or not; there are no active health checks).
/// </summary>
internal sealed record HostStatusDump(
    string Address,
    int Weight,
    string HealthFlags,
    bool Ejected,
    int ActiveRequests,
    int ActiveConnections,
    int IdleConnections,
    long ConnectionsTotal);
