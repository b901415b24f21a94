using Engine.Upstream;

namespace Engine.Routing;

/// <summary>
/// What a matched rule does with the request. Weighted destinations share traffic in proportion
/// to weight / sum(weights), drawn per request (Envoy weighted_clusters; istio-semantics.md §3.4).
/// </summary>
internal sealed class RouteAction
{
    public RouteAction(RouteDestination[] destinations)
    {
        Destinations = destinations;
        foreach (var d in destinations)
        {
            TotalWeight += d.Weight;
        }
    }

    public RouteDestination[] Destinations { get; }

    public int TotalWeight { get; }

    public RouteDestination? Pick(IRandomSource random)
    {
        if (Destinations.Length <= 1)
        {
            return Destinations.Length == 0 ? null : Destinations[0];
        }

        var draw = random.Next(TotalWeight);
        foreach (var d in Destinations)
        {
            if (draw < d.Weight)
            {
                return d;
            }

            draw -= d.Weight;
        }

        return Destinations[^1];
    }
}
