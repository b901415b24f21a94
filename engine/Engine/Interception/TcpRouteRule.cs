using System.Net;
using Engine.Routing;

namespace Engine.Interception;

/// <summary>
/// One VirtualService <c>tcp[]</c> or <c>tls[]</c> rule: match entries (ORed; none = everything)
/// and weighted destinations, chosen per connection (Envoy tcp_proxy weighted_clusters).
/// </summary>
internal sealed class TcpRouteRule
{
    public TcpRouteRule(string name, L4Match[] matches, RouteAction action)
    {
        Name = name;
        Matches = matches;
        Action = action;
    }

    public string Name { get; }

    public L4Match[] Matches { get; }

    public RouteAction Action { get; }

    public bool AppliesTo(int servicePort, IPAddress destination, string? serverName = null)
    {
        if (Matches.Length == 0)
        {
            return true;
        }

        foreach (var match in Matches)
        {
            if (match.Matches(servicePort, destination, serverName))
            {
                return true;
            }
        }

        return false;
    }
}
