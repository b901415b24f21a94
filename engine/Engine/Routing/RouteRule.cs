namespace Engine.Routing;

/// <summary>
/// One <c>http[]</c> rule: its match entries (ORed; none = match everything) and its action.
/// Rules are tried in order and the first match wins, as in Istio.
/// </summary>
internal sealed class RouteRule
{
    public RouteRule(string name, int index, MatchCondition[] matches, RouteAction action)
    {
        Name = name;
        Index = index;
        Matches = matches;
        Action = action;
        _matchRouteNames = Array.ConvertAll(matches, m => m.Name is { Length: > 0 } matchName ? $"{name}.{matchName}" : name);
    }

    // Envoy route name per match entry, built once: "rule.match" when the entry is named.
    private readonly string[] _matchRouteNames;

    /// <summary>Envoy route name: the rule's name, or the VirtualService's and the rule index.</summary>
    public string Name { get; }

    /// <summary>Position in <c>http[]</c> of its VirtualService.</summary>
    public int Index { get; }

    public MatchCondition[] Matches { get; }

    public RouteAction Action { get; }

    /// <summary>
    /// The Envoy route name for the request that held match entry <paramref name="matchIndex"/>:
    /// Istio makes one Envoy route per match entry, named <c>http.name + "." + match.name</c>.
    /// </summary>
    public string RouteNameFor(int matchIndex)
        => (uint)matchIndex < (uint)_matchRouteNames.Length ? _matchRouteNames[matchIndex] : Name;

    public bool IsCatchAll => Matches.Length == 0 || Array.Exists(Matches, m => m.IsCatchAll);

    /// <summary>Index of the first match entry that holds, or -1.</summary>
    public int MatchIndex(in RequestView request)
    {
        if (Matches.Length == 0)
        {
            return 0;
        }

        for (var i = 0; i < Matches.Length; i++)
        {
            if (Matches[i].Matches(request))
            {
                return i;
            }
        }

        return -1;
    }
}
