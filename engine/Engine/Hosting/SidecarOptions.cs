using Engine.Proxy;

namespace Engine.Hosting;

/// <summary>Everything <c>engine run</c> is told on its command line.</summary>
internal sealed record SidecarOptions
{
    /// <summary>YAML files or folders of them.</summary>
    public IReadOnlyList<string> ConfigPaths { get; init; } = [];

    /// <summary>Namespace of resources that name none, and the sidecar's own namespace.</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>The sidecar's own labels (VirtualService <c>sourceLabels</c> are matched against them).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The sidecar's <c>region/zone/subzone</c>; empty: no locality-aware balancing.</summary>
    public string Locality { get; init; } = string.Empty;

    /// <summary>
    /// Folder of the workload's mesh certificates (cert-chain.pem, key.pem, root-cert.pem) for
    /// ISTIO_MUTUAL and auto mTLS; empty, or a folder without them: those destinations stay plaintext.
    /// </summary>
    public string IstioCertificates { get; init; } = string.Empty;

    public ProxyOptions Proxy { get; init; } = new();

    /// <summary>How long config files must stay unchanged before a reload (editors write in several steps).</summary>
    public TimeSpan ReloadQuietPeriod { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often the names behind DNS, DNS_ROUND_ROBIN and DYNAMIC_DNS ServiceEntries are resolved
    /// again (Istio's MeshConfig <c>dnsRefreshRate</c>, 60 s by default; Envoy's
    /// <c>dns_refresh_rate</c>). Zero turns refreshing off: names keep their first answer.
    /// </summary>
    public TimeSpan DnsRefreshInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often idle upstream connections are checked for expiry or remote close.</summary>
    public TimeSpan PoolSweepInterval { get; init; } = TimeSpan.FromSeconds(5);
}
