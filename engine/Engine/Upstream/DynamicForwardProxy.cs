using System.Collections.Concurrent;
using System.Net;
using Engine.Upstream.Dns;
using Engine.Upstream.LoadBalancing;

namespace Engine.Upstream;

/// <summary>
/// A DYNAMIC_DNS cluster's per-name clusters (Envoy's dynamic forward proxy: the upstream is the
/// request's own host, resolved through the shared <see cref="DynamicHostCache"/>). Each name gets
/// a one-endpoint cluster with the parent's name, policy, circuit breaker and protocol, made the
/// first time the name has an address and again when its address changes.
/// </summary>
/// <remarks>
/// What a request finds: <see cref="DynamicLookup.Ready"/> with the name's cluster;
/// <see cref="DynamicLookup.Pending"/> while the name's first lookup runs (the request awaits
/// <see cref="DynamicHost.FirstLookup"/>, nothing else does); <see cref="DynamicLookup.Failed"/>
/// when the name does not resolve (503 DF); <see cref="DynamicLookup.Overflow"/> when the cache is full.
/// </remarks>
internal sealed class DynamicForwardProxy
{
    private readonly Cluster _template;
    private readonly DynamicHostCache _cache;
    private readonly UpstreamPools _pools;
    private readonly IRandomSource _random;
    private readonly ConcurrentDictionary<string, Cluster> _clusters = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Cluster>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public DynamicForwardProxy(Cluster template, DynamicHostCache cache, UpstreamPools pools, IRandomSource random)
    {
        _template = template;
        _cache = cache;
        _pools = pools;
        _random = random;
        _bySpan = _clusters.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public DynamicHostCache Cache => _cache;

    /// <summary>The per-name clusters made so far (for dumps and explain).</summary>
    public IReadOnlyCollection<Cluster> HostClusters => _clusters.Values.ToArray();

    /// <summary>
    /// Registers a per-name cluster built with the configuration (a name already in the cache,
    /// whose pool the configuration's pool generation keeps warm across reloads).
    /// </summary>
    public void Add(string name, Cluster cluster) => _clusters[name] = cluster;

    /// <summary>The request path: the name's cluster when its address is known. Allocates only for a name seen for the first time.</summary>
    public DynamicLookup Find(ReadOnlySpan<char> name, out Cluster? cluster, out DynamicHost? pending)
    {
        cluster = null;
        pending = null;
        var host = _cache.Find(name);
        if (host is null)
        {
            host = _cache.GetOrStart(name.ToString());
            if (host is null)
            {
                return DynamicLookup.Overflow;
            }
        }

        if (!host.FirstLookup.IsCompleted)
        {
            pending = host;
            return DynamicLookup.Pending;
        }

        if (host.Address is not { } address)
        {
            return DynamicLookup.Failed;
        }

        if (_bySpan.TryGetValue(name, out var known) && known.Endpoints[0].Address.Address.Equals(address))
        {
            cluster = known;
            return DynamicLookup.Ready;
        }

        cluster = Make(host.Name, address);
        return DynamicLookup.Ready;
    }

    /// <summary>A one-endpoint cluster for <paramref name="name"/> at <paramref name="address"/>, adopted into the live pools.</summary>
    private Cluster Make(string name, IPAddress address)
    {
        var endpoint = new IPEndPoint(address, TargetPort);
        var pool = _pools.Adopt(_template.Name, endpoint, SettingsFor(_template.Settings, name), _template.Breaker);
        var cluster = For(_template, new Endpoint(endpoint, NoLabels, 1, pool), _random);
        _clusters[name] = cluster;
        return cluster;
    }

    /// <summary>
    /// A name's pool settings: TLS to it sends the name as SNI (and checks the certificate against
    /// it) unless the DestinationRule fixed <c>sni</c>, as Envoy's dynamic forward proxy does with
    /// auto_sni.
    /// </summary>
    public static UpstreamPoolSettings SettingsFor(UpstreamPoolSettings settings, string name)
        => settings.Tls is { } tls && tls.ForHost(name) is var own && !ReferenceEquals(own, tls) ? settings with { Tls = own } : settings;

    /// <summary>The port requests are sent to: the service port's targetPort, else its number.</summary>
    public int TargetPort { get; init; }

    /// <summary>A per-name cluster: the parent's identity and policy, one endpoint.</summary>
    public static Cluster For(Cluster template, Endpoint endpoint, IRandomSource random)
        => new(template.Name, template.Host, template.Port, template.Subset, [endpoint], new RoundRobinBalancer(random), template.Settings, template.Breaker)
        {
            Protocol = template.Protocol,
            UseDownstreamProtocol = template.UseDownstreamProtocol,
        };

    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();
}
