namespace Engine.Admin.Dumps;

/// <summary>
/// <c>/config_dump</c>: the configuration the proxy runs now — where it came from (files and
/// resources, with file and line) and what it was compiled into (virtual hosts with their routes
/// in match order, clusters with their endpoints).
/// </summary>
internal sealed record ConfigDump(
    long Version,
    DateTimeOffset? LoadedAt,
    string Namespace,
    IReadOnlyList<string> Listeners,
    IReadOnlyList<string> Files,
    IReadOnlyList<ResourceDump> Resources,
    IReadOnlyList<VirtualHostDump> VirtualHosts,
    IReadOnlyList<ClusterDump> Clusters);

/// <summary>One loaded Istio resource and where it was written.</summary>
internal sealed record ResourceDump(string Kind, string Namespace, string Name, string File, int Line);

/// <summary>A compiled virtual host: its domains and its routes, in the order they are tried.</summary>
internal sealed record VirtualHostDump(string Name, IReadOnlyList<string> Domains, bool FromVirtualService, IReadOnlyList<RouteDump> Routes);

/// <summary>
/// A route (VirtualService http rule): its match entries (ORed; none = everything), destinations,
/// and what else it does (redirect, rewrite, header edits, timeout, retries, fault, mirror), in words.
/// </summary>
internal sealed record RouteDump(string Name, int Index, IReadOnlyList<string> Matches, IReadOnlyList<DestinationDump> Destinations, IReadOnlyList<string> Policies);

/// <summary>A weighted destination and the cluster(s) it resolves to (one per port when the port comes from the request).</summary>
internal sealed record DestinationDump(string Host, string? Subset, int? Port, int Weight, IReadOnlyList<string> Clusters);

/// <summary>A cluster with its policy and endpoints.</summary>
internal sealed record ClusterDump(
    string Name,
    string Host,
    int Port,
    string? Subset,
    string LoadBalancer,
    double ConnectTimeoutSeconds,
    double IdleTimeoutSeconds,
    int MaxRequestsPerConnection,
    IReadOnlyList<EndpointDump> Endpoints);

internal sealed record EndpointDump(string Address, int Weight, IReadOnlyDictionary<string, string> Labels);
