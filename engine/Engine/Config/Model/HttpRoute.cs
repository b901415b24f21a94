using System.Collections.Immutable;

namespace Engine.Config.Model;

/// <summary>
/// One <c>http[]</c> rule. Exactly one action applies: <see cref="Route"/>, <see cref="Redirect"/>,
/// <see cref="DirectResponse"/> or (root VirtualService only) <see cref="Delegate"/>.
/// </summary>
internal sealed record HttpRoute : ModelNode
{
    public string Name { get; init; } = "";

    /// <summary>OR of the entries; empty matches every request.</summary>
    public ImmutableArray<HttpMatchRequest> Match { get; init; } = [];

    public ImmutableArray<HttpRouteDestination> Route { get; init; } = [];

    public HttpRedirect? Redirect { get; init; }

    public HttpDirectResponse? DirectResponse { get; init; }

    public Delegate? Delegate { get; init; }

    public HttpRewrite? Rewrite { get; init; }

    /// <summary>Null: disabled (Istio's default), not Envoy's 15 s.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Null: Istio's default retry policy applies.</summary>
    public HttpRetry? Retries { get; init; }

    public HttpFaultInjection? Fault { get; init; }

    public Destination? Mirror { get; init; }

    public ImmutableArray<HttpMirrorPolicy> Mirrors { get; init; } = [];

    /// <summary>Deprecated integer percentage of <see cref="Mirror"/>, used only when <see cref="MirrorPercentage"/> is absent.</summary>
    public uint? MirrorPercent { get; init; }

    /// <summary>Percentage of requests mirrored to <see cref="Mirror"/>; null means 100.</summary>
    public double? MirrorPercentage { get; init; }

    public CorsPolicy? CorsPolicy { get; init; }

    public Headers? Headers { get; init; }
}
