using Engine.Interception;
using Engine.Routing;
using Engine.Routing.Policies;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// Transparent mode's additions to routing (Engine.Interception): the route port is the original
/// destination's; when the Host names no virtual host, the original destination may name the
/// service (a ServiceEntry VIP or endpoint address); when nothing does, the outbound policy
/// decides. The common path pays one null check.
/// </summary>
internal abstract partial class ProxyExchange
{
    /// <summary>Set for a connection that a transparent listener captured; null on the common path.</summary>
    private protected InterceptedConnection? _intercepted;

    /// <summary>
    /// Matches the virtual host of the service at the original destination, with the service
    /// port as the route port. False when the destination is unknown to the registry.
    /// </summary>
    private protected bool TryMatchOriginalDestination(RuntimeConfig config, ref int port, ref RouteResult match)
    {
        var target = config.Destinations.Find(_intercepted!.Destination.EndPoint);
        if (target?.Http is not { } vhost)
        {
            return false;
        }

        port = target.Port.Number;
        match = RouteTable.Match(vhost, new RequestView(_request, port, RouteScratch.ForThisThread));
        return true;
    }

    /// <summary>
    /// A request for a destination the registry does not know (Istio's allow_any / block_all
    /// virtual hosts): ALLOW_ANY forwards it to the original destination through
    /// PassthroughCluster; REGISTRY_ONLY answers 502 itself (route block_all, flag NR).
    /// </summary>
    private protected LocalReply? RouteUnregistered(out Cluster? cluster)
    {
        if (_intercepted!.Policy == OutboundPolicy.AllowAny)
        {
            _action = AllowAny;
            _routeName = "allow_any";
            cluster = _cluster = _intercepted.Passthrough();
            return null;
        }

        _routeName = "block_all";
        cluster = null;
        return BlockAll;
    }

    private static readonly LocalReply BlockAll = new(502, string.Empty, ResponseFlags.NoRoute);

    /// <summary>Istio's allow_any route: PassthroughCluster, no timeout, no retries, nothing else.</summary>
    private static readonly RouteAction AllowAny = new([]) { Retry = RetryPolicy.Disabled };
}
