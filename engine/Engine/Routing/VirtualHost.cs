namespace Engine.Routing;

/// <summary>
/// The rules for one set of host names: a VirtualService's http[] or, for a service with no
/// VirtualService, Istio's default route (everything to <c>outbound|port||host</c>).
/// </summary>
/// <remarks>
/// Istio builds one route table per listener port and drops a match entry whose <c>port</c> is
/// another one at config time (istio-semantics.md §3.1). A VirtualService with port matches is
/// therefore compiled into one rule set per port it names plus one for every other port;
/// <see cref="ForPort"/> picks it. On a port where none of its rules survive, the VirtualService
/// contributes nothing and the service's default route applies (<c>fallback</c>; null for a host
/// no service declares, which then has no virtual host on that port).
/// </remarks>
internal sealed class VirtualHost
{
    // Null (the common case): the same rules on every port.
    private readonly (int Port, VirtualHost? Host)[]? _byPort;
    private readonly VirtualHost? _otherPorts;

    public VirtualHost(string name, IReadOnlyList<string> domains, RouteRule[] rules, bool fromVirtualService)
        : this(name, domains, rules, fromVirtualService, port: null)
    {
    }

    private VirtualHost(string name, IReadOnlyList<string> domains, RouteRule[] rules, bool fromVirtualService, int? port)
    {
        Name = name;
        Domains = domains;
        Rules = rules;
        FromVirtualService = fromVirtualService;
        Port = port;
        Automaton = Routing.Automaton.RouteAutomaton.Build(rules);
        _otherPorts = this;
    }

    /// <summary>
    /// A VirtualService's virtual host whose rules depend on the port: <paramref name="otherPorts"/>
    /// for ports no match entry names, <paramref name="byPort"/> for those named. An empty rule set
    /// stands for <paramref name="fallback"/>.
    /// </summary>
    public VirtualHost(string name, IReadOnlyList<string> domains, RouteRule[] otherPorts, IReadOnlyList<(int Port, RouteRule[] Rules)> byPort, VirtualHost? fallback)
        : this(name, domains, otherPorts, fromVirtualService: true, port: null)
    {
        if (byPort.Count == 0)
        {
            return;
        }

        _byPort = byPort
            .Select(p => (p.Port, p.Rules.Length == 0 ? fallback : new VirtualHost(name, domains, p.Rules, fromVirtualService: true, p.Port)))
            .ToArray();
        _otherPorts = otherPorts.Length == 0 ? fallback : this;
    }

    /// <summary>The rules compiled for matching (one pass over the path, then candidates in order).</summary>
    public Routing.Automaton.RouteAutomaton Automaton { get; }

    /// <summary>
    /// The virtual host that serves requests for <paramref name="port"/>: this one, its rule set
    /// for that port, or the service's default route when the VirtualService has no rule there
    /// (null: no virtual host on that port). A scan of a few entries, only for VirtualServices
    /// with port matches; one null check otherwise.
    /// </summary>
    public VirtualHost? ForPort(int port)
    {
        if (_byPort is null)
        {
            return this;
        }

        foreach (var (number, host) in _byPort)
        {
            if (number == port)
            {
                return host;
            }
        }

        return _otherPorts;
    }

    /// <summary>The per-port rule sets (none when the rules do not depend on the port): for dumps.</summary>
    public IEnumerable<VirtualHost> PortVariants
        => _byPort is null ? [] : _byPort.Select(p => p.Host).OfType<VirtualHost>().Where(h => h.Port is not null);

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

    /// <summary>The port these rules are for when they are one port's set; null for any port (or every port not named).</summary>
    public int? Port { get; }
}
