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
    }

    /// <summary><c>namespace/name</c> of the VirtualService, or the service host for a default route.</summary>
    public string Name { get; }

    public IReadOnlyList<string> Domains { get; }

    public RouteRule[] Rules { get; }

    public bool FromVirtualService { get; }
}
