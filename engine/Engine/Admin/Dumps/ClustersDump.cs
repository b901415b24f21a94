namespace Engine.Admin.Dumps;

/// <summary><c>/clusters?format=json</c>: live state of every cluster's endpoints.</summary>
internal sealed record ClustersDump(IReadOnlyList<ClusterStatusDump> Clusters);

internal sealed record ClusterStatusDump(string Name, IReadOnlyList<HostStatusDump> Hosts);

/// <summary>
/// One endpoint: in-flight requests, open/idle/total upstream connections, and its health.
/// Health is always <c>healthy</c> and <c>Ejected</c> false until health checks and outlier
/// detection exist; the fields are here so that tooling written against them keeps working.
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
