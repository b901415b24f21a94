using Engine.Protocols.Http1;
using Engine.Routing;
using Engine.Upstream;

namespace Engine.Proxy;

internal sealed partial class Http1ProxySession
{
    /// <summary>
    /// Normalises the path (Istio's default BASE normalisation), matches the route table and picks
    /// the destination. Returns a local reply, or null with the cluster to forward to.
    /// </summary>
    private LocalReply? Route(out Cluster? cluster)
    {
        cluster = null;
        if (!PathNormalizer.TryNormalize(_request))
        {
            _keepAlive = false;
            return RejectionFor(Http1Error.InvalidPath);
        }

        var config = _server.Config;
        var port = _intercepted?.Destination.Port ?? RouteTable.PortOf(_request);
        var match = config.Routes.Match(new RequestView(_request, port, _scratch));
        if (match.Outcome == RouteOutcome.NoVirtualHost && _intercepted is not null && !TryMatchOriginalDestination(config, ref port, ref match))
        {
            return RouteUnregistered(out cluster); // transparent mode (.Intercepted.cs)
        }

        if (match.Outcome != RouteOutcome.Matched)
        {
            // No virtual host, or no rule of it matched: Envoy's 404 NR (istio-semantics.md §6).
            return LocalReplies.NoRoute;
        }

        _routeName = match.Rule!.Name;
        var destination = match.Rule.Action.Pick(_server.Random);
        cluster = destination?.Resolve(port);
        cluster = _intercepted is null ? cluster : _intercepted.ForOriginalDestination(cluster, config.Destinations);
        _cluster = cluster;
        return cluster is null ? LocalReplies.For(ForwardError.ClusterNotFound) : null;
    }
}
