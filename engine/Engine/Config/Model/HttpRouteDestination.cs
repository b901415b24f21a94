namespace Engine.Config.Model;

/// <summary>
/// A weighted HTTP destination. Weights are relative (sum need not be 100); with a single
/// destination the weight is ignored; with several, weight 0 receives no traffic.
/// </summary>
internal sealed record HttpRouteDestination : ModelNode
{
    public Destination? Destination { get; init; }

    public int Weight { get; init; }

    /// <summary>Header operations applied only when this destination is chosen.</summary>
    public Headers? Headers { get; init; }
}
