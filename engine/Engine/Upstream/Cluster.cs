using Engine.Upstream.LoadBalancing;

namespace Engine.Upstream;

/// <summary>
/// Envoy's unit of upstream policy: <c>outbound|port|subset|host</c>. A subset is its own
/// cluster with its own endpoints, balancer state and connection pools (istio-semantics.md §4.1).
/// </summary>
internal sealed class Cluster
{
    public Cluster(string name, string host, int port, string? subset, Endpoint[] endpoints, ILoadBalancer balancer, UpstreamPoolSettings settings)
    {
        Name = name;
        Host = host;
        Port = port;
        Subset = subset;
        Endpoints = endpoints;
        Balancer = balancer;
        Settings = settings;
    }

    public string Name { get; }

    public string Host { get; }

    public int Port { get; }

    public string? Subset { get; }

    public Endpoint[] Endpoints { get; }

    public ILoadBalancer Balancer { get; }

    public UpstreamPoolSettings Settings { get; }

    public static string NameFor(int port, string? subset, string host) => $"outbound|{port}|{subset}|{host}";

    /// <summary>Picks an endpoint, or null when the cluster has none (503 UH).</summary>
    public Endpoint? Pick()
    {
        var index = Balancer.Pick(Endpoints);
        return index < 0 ? null : Endpoints[index];
    }

    /// <summary>
    /// Picks an endpoint other than <paramref name="avoid"/> when the cluster has one, for a retry
    /// (Envoy's previous_hosts predicate, which re-picks up to 5 times).
    /// </summary>
    public Endpoint? PickOtherThan(Endpoint avoid)
    {
        Endpoint? pick = null;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            pick = Pick();
            if (pick is null || pick != avoid)
            {
                return pick;
            }
        }

        return pick;
    }

    public override string ToString() => Name;
}
