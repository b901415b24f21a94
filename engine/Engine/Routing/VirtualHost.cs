namespace Engine.Routing;

/// <summary>
/// The rules for one set of host names: a VirtualService's http[] or, for a service with no
/// VirtualService, Istio's default route (everything to <c>outbound|port||host</c>).
/// </summary>
internal sealed class VirtualHost
{
    public VirtualHost(string name, IReadOnlyList<string> domains, RouteRule[] rules, bool fromVirtualService)
    {
        Name = name;
        Domains = domains;
        Rules = rules;
        FromVirtualService = fromVirtualService;
        Automaton = Routing.Automaton.RouteAutomaton.Build(rules);
    }

    /// <summary>The rules compiled for matching (one pass over the path, then candidates in order).</summary>
    public Routing.Automaton.RouteAutomaton Automaton { get; }

    /// <summary>
    /// The reference semantics: every rule in order, first match wins. The automaton must agree
    /// with it on every request (a differential test checks); explain uses it to say why rules failed.
    /// </summary>
    public (RouteRule? Rule, int MatchIndex) MatchInOrder(in RequestView request)
    {
        foreach (var rule in Rules)
        {
            var index = rule.MatchIndex(request);
            if (index >= 0)
            {
                return (rule, index);
            }
        }

        return (null, -1);
    }

    /// <summary><c>namespace/name</c> of the VirtualService, or the service host for a default route.</summary>
    public string Name { get; }

    public IReadOnlyList<string> Domains { get; }

    public RouteRule[] Rules { get; }

    public bool FromVirtualService { get; }
}
