using Engine.Routing.Actions;
using Engine.Routing.Policies;
using Engine.Upstream;

namespace Engine.Routing;

/// <summary>
/// What a matched rule does with the request: forward to weighted destinations (with rewrites
/// and header edits), or answer locally with a redirect or a direct response; plus the policies
/// that govern forwarding (timeout, retries, fault, mirrors, CORS). Weighted destinations share
/// traffic in proportion to weight / sum(weights), drawn per request (istio-semantics.md §3.4).
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

    public RedirectAction? Redirect { get; init; }

    public DirectResponseAction? DirectResponse { get; init; }

    public PathRewrite? PathRewrite { get; init; }

    /// <summary>New authority (<c>rewrite.authority</c>, or <c>:authority</c>/<c>host</c> in request set/add).</summary>
    public byte[]? AuthorityRewrite { get; init; }

    public HeaderEdits RequestEdits { get; init; } = HeaderEdits.None;

    public HeaderEdits ResponseEdits { get; init; } = HeaderEdits.None;

    public CorsRule? Cors { get; init; }

    /// <summary>Route timeout; null means none (Istio's default, not Envoy's 15 s).</summary>
    public TimeSpan? Timeout { get; init; }

    public RetryPolicy Retry { get; init; } = RetryPolicy.IstioDefault;

    public FaultPolicy? Fault { get; init; }

    public MirrorPolicy[] Mirrors { get; init; } = [];

    /// <summary>
    /// Envoy applies a weighted destination's header edits before the route's, but a single
    /// destination's after them (Istio appends them to the route's list) — an asymmetry users can
    /// observe when both set one header (istio-semantics.md §3.5).
    /// </summary>
    public bool DestinationEditsFirst => Destinations.Length > 1;

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
