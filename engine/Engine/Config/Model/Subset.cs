namespace Engine.Config.Model;

/// <summary>Named set of endpoints whose labels contain all of <see cref="Labels"/>.</summary>
internal sealed record Subset : ModelNode
{
    public string Name { get; init; } = "";

    public OrderedMap<string> Labels { get; init; } = OrderedMap<string>.Empty;

    /// <summary>Applies only when a route targets this subset explicitly.</summary>
    public TrafficPolicy? TrafficPolicy { get; init; }
}
