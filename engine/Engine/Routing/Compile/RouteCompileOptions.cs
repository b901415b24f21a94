namespace Engine.Routing.Compile;

/// <summary>Who the sidecar is: the namespace it runs in, its own labels (for sourceLabels) and its locality.</summary>
internal sealed record RouteCompileOptions
{
    public string ProxyNamespace { get; init; } = "default";

    public IReadOnlyDictionary<string, string> ProxyLabels { get; init; } = new Dictionary<string, string>();

    /// <summary>The sidecar's <c>region/zone/subzone</c> (<c>--locality</c>); empty: locality-aware balancing is off.</summary>
    public string ProxyLocality { get; init; } = string.Empty;

    /// <summary>Folder of the workload's mesh certificates (<c>--istio-certs</c>), read at every build; empty: none.</summary>
    public string IstioCertificates { get; init; } = string.Empty;
}
