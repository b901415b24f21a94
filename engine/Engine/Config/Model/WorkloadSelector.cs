namespace Engine.Config.Model;

/// <summary>
/// Label selector. ServiceEntry writes it as <c>workloadSelector.labels</c>, DestinationRule as
/// <c>workloadSelector.matchLabels</c>; both bind here.
/// </summary>
internal sealed record WorkloadSelector : ModelNode
{
    public OrderedMap<string> Labels { get; init; } = OrderedMap<string>.Empty;
}
