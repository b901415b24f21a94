namespace Engine.Config.Model;

/// <summary>A weighted L4 (TCP/TLS) destination.</summary>
internal sealed record RouteDestination : ModelNode
{
    public Destination? Destination { get; init; }

    public int Weight { get; init; }
}
