using Engine.Config;
using Engine.Config.Model;
using ModelKind = Engine.Config.Model.StringMatchKind;

namespace Engine.Routing.Compile;

/// <summary>Turns HTTPMatchRequest blocks into <see cref="MatchCondition"/>s, applying Istio's static filters.</summary>
internal static class MatcherCompiler
{
    /// <summary>
    /// Compiles one match block, or returns null when it does not apply to this sidecar:
    /// <c>gateways</c> set without <c>mesh</c>; otherwise <c>sourceLabels</c> not a subset of the
    /// proxy's labels, or <c>sourceNamespace</c> not the proxy's namespace. These are decided at
    /// config time, not per request (istio-semantics.md §3.1).
    /// </summary>
    public static MatchCondition? Compile(HttpMatchRequest match, RouteCompileOptions options)
    {
        if (!AppliesToSidecar(match.Gateways, match.SourceLabels, match.SourceNamespace, options))
        {
            return null;
        }

        return new MatchCondition
        {
            Uri = match.Uri is null ? null : Matcher(match.Uri, match.IgnoreUriCase, presenceAllowed: false),
            Scheme = match.Scheme is null ? null : Matcher(match.Scheme, false, presenceAllowed: false),
            Method = match.Method is null ? null : Matcher(match.Method, false, presenceAllowed: false),
            Authority = match.Authority is null ? null : Matcher(match.Authority, false, presenceAllowed: false),
            Headers = match.Headers.Select(h => new HeaderCondition(h.Key, Matcher(h.Value, false, presenceAllowed: true), invert: false))
                .Concat(match.WithoutHeaders.Select(h => new HeaderCondition(h.Key, Matcher(h.Value, false, presenceAllowed: true), invert: true)))
                .ToArray(),
            QueryParams = match.QueryParams.Select(q => new QueryCondition(q.Key, Matcher(q.Value, false, presenceAllowed: true))).ToArray(),
            Port = match.Port > 0 ? (int)match.Port : null,
            Name = match.Name.Length > 0 ? match.Name : null,
        };
    }

    /// <summary>
    /// The static filters of an HTTP or L4 match block: <c>gateways</c> set without <c>mesh</c>
    /// excludes it; otherwise <c>sourceLabels</c> must be a subset of the proxy's labels and
    /// <c>sourceNamespace</c> its namespace.
    /// </summary>
    public static bool AppliesToSidecar(IReadOnlyList<string> gateways, IReadOnlyDictionary<string, string> sourceLabels, string sourceNamespace, RouteCompileOptions options)
    {
        if (gateways.Count > 0)
        {
            return gateways.Contains(IstioHost.MeshGateway);
        }

        foreach (var (key, value) in sourceLabels)
        {
            if (!options.ProxyLabels.TryGetValue(key, out var mine) || mine != value)
            {
                return false;
            }
        }

        return sourceNamespace.Length == 0 || sourceNamespace == options.ProxyNamespace;
    }

    /// <summary>
    /// <c>{}</c> and <c>regex: "*"</c> are presence matches for headers and query parameters
    /// (Istio's canBeConvertedToPresentMatch); for the URI an empty match is a prefix of "".
    /// </summary>
    public static ByteMatcher Matcher(StringMatch match, bool ignoreCase, bool presenceAllowed)
    {
        if (presenceAllowed && match.IsPresenceMatch)
        {
            return ByteMatcher.Present();
        }

        return match.Kind switch
        {
            ModelKind.Exact => ByteMatcher.Exact(match.Value, ignoreCase),
            ModelKind.Prefix => ByteMatcher.Prefix(match.Value, ignoreCase),
            ModelKind.Regex => ByteMatcher.Regex(match.Value),
            _ => ByteMatcher.Prefix(string.Empty),
        };
    }
}
