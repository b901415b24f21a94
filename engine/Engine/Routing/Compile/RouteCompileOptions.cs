namespace Engine.Routing.Compile;

/// <summary>Who the sidecar is: the namespace it runs in and its own labels (for sourceLabels).</summary>
internal sealed record RouteCompileOptions
{
    public string ProxyNamespace { get; init; } = "default";

    public IReadOnlyDictionary<string, string> ProxyLabels { get; init; } = new Dictionary<string, string>();
}
