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
    }

    /// <summary>Envoy route name: the rule's name, or the VirtualService's and the rule index.</summary>
    public string Name { get; }

    /// <summary>Position in <c>http[]</c> of its VirtualService.</summary>
    public int Index { get; }

    public MatchCondition[] Matches { get; }

    public RouteAction Action { get; }

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
