using Engine.Protocols.Http1;
using Engine.Routing;
using Engine.Routing.Actions;
using Engine.Upstream;

namespace Engine.Proxy;

internal abstract partial class ProxyExchange
{
    // What routing decided for the current request (BeginRequest resets it).
    private protected RouteAction? _action;
    private protected RouteDestination? _destination;
    private protected ByteMatcher? _matchedUri;
    private protected int _corsOrigin = -1;
    private protected string? _location;

    // The request's consistent-hash key (null: none, or the cluster does not hash) and the cookie
    // generated for it, set on the response.
    private protected ulong? _hash;
    private string? _setCookie;

    private protected void ResetRouting()
    {
        _action = null;
        _destination = null;
        _matchedUri = null;
        _corsOrigin = -1;
        _location = null;
        _hash = null;
        _setCookie = null;
        _dnsPending = null;
        _dnsProxy = null;
    }

    /// <summary>
    /// Normalises the path (Istio's default BASE normalisation), matches the route table and
    /// picks the rule's destination: a local reply for a redirect or direct response (neither has
    /// a fault or CORS policy), else null with the destination's cluster (null when there is no
    /// such cluster). The caller then runs the fault filter and <see cref="AfterFaultFilter"/>.
    /// </summary>
    private protected LocalReply? Route(out Cluster? cluster)
    {
        cluster = null;
        if (!PathNormalizer.TryNormalize(_request))
        {
            _keepAlive = false;
            return RejectionFor(Http1Error.InvalidPath);
        }

        if (_server.Overloaded)
        {
            return LocalReplies.Overloaded;
        }

        var config = _server.Config;
        var port = _intercepted?.Destination.Port ?? RouteTable.PortOf(_request);
        var match = config.Routes.Match(new RequestView(_request, port, RouteScratch.ForThisThread));
        if (match.Outcome == RouteOutcome.NoVirtualHost && _intercepted is not null && !TryMatchOriginalDestination(config, ref port, ref match))
        {
            return RouteUnregistered(out cluster); // transparent mode (.Intercepted.cs)
        }

        if (match.Outcome != RouteOutcome.Matched)
        {
            // No virtual host, or no rule of it matched: Envoy's 404 NR (istio-semantics.md §6).
            return LocalReplies.NoRoute;
        }

        var rule = match.Rule!;
        var action = rule.Action;
        _action = action;
        _routeName = rule.RouteNameFor(match.MatchIndex);
        _matchedUri = rule.Matches.Length == 0 ? null : rule.Matches[match.MatchIndex].Uri;

        // Redirects and direct responses bypass the CORS filter (Envoy).
        if (action.Redirect is { } redirect)
        {
            _location = redirect.Location(_request, _matchedUri, port);
            return new LocalReply(redirect.Status, [], ResponseFlags.None);
        }

        if (action.DirectResponse is { } direct)
        {
            return new LocalReply(direct.Status, direct.Body, ResponseFlags.None);
        }

        // The route picks the cluster (a weighted one by its draw) as Envoy's does when the route
        // is resolved, so the access log names it even when the fault filter aborts.
        _destination = action.Pick(_server.Random);
        cluster = _destination?.Resolve(port);
        cluster = _intercepted is null ? cluster : _intercepted.ForOriginalDestination(cluster, config.Destinations);
        _cluster = cluster;
        return null;
    }

    /// <summary>
    /// What follows the fault filter in Envoy's chain (istio-semantics.md §1 step 6): the CORS
    /// filter (a preflight from an allowed origin is answered here), then the router, which
    /// answers 503 NC for a cluster that does not exist, else applies the rewrites and request
    /// header edits. So an abort wins over both, and a delay comes before the preflight answer.
    /// Returns a local reply, or null to forward to <paramref name="cluster"/> (a DYNAMIC_DNS
    /// cluster is replaced by its host's, or <see cref="_dnsPending"/> is set to wait for it).
    /// </summary>
    private protected LocalReply? AfterFaultFilter(ref Cluster? cluster)
    {
        var action = _action!;
        if (action.Cors is { } cors && CorsDecision(cors) is { } corsReply)
        {
            return corsReply;
        }

        if (cluster is null)
        {
            return LocalReplies.For(ForwardError.ClusterNotFound);
        }

        // DYNAMIC_DNS (Envoy's dynamic forward proxy filter, after CORS and before the router):
        // the upstream is the host the request names, as it arrived, before any rewrite.
        if (cluster.Dynamic is { } dynamic && RouteDynamic(dynamic, ref cluster) is { } dnsReply)
        {
            return dnsReply;
        }

        if (_destination is not { } destination)
        {
            return null; // transparent mode's PassthroughCluster: nothing to rewrite
        }

        ApplyRequestRewrites(action, destination);
        if (cluster.Hashing is { } hashing)
        {
            _hash = hashing.Compute(_request, ClientEndPoint, out _setCookie);
        }

        return null;
    }

    /// <summary>
    /// Envoy's CORS filter: a preflight from an allowed origin is answered here; a preflight from
    /// another origin is forwarded (or answered without CORS headers when unmatched preflights are
    /// ignored); an actual request from an allowed origin gets CORS headers on its response.
    /// </summary>
    private protected LocalReply? CorsDecision(CorsRule cors)
    {
        var originIndex = _request.IndexOf("origin"u8);
        if (originIndex < 0)
        {
            return null;
        }

        var allowed = cors.Allows(_request.ValueOf(originIndex));
        if (CorsRule.IsPreflight(_request))
        {
            if (allowed)
            {
                _corsOrigin = originIndex;
                return new LocalReply(200, [], ResponseFlags.None);
            }

            return cors.ForwardUnmatchedPreflights ? null : new LocalReply(200, [], ResponseFlags.None);
        }

        if (allowed)
        {
            _corsOrigin = originIndex;
        }

        return null;
    }

    /// <summary>
    /// Path and authority rewrites and request header edits. A route-level authority rewrite wins
    /// over a destination's; header edits of a weighted destination come before the route's, of a
    /// single destination after them (istio-semantics.md §3.5).
    /// </summary>
    private protected void ApplyRequestRewrites(RouteAction action, RouteDestination destination)
    {
        action.PathRewrite?.Apply(_request, _matchedUri);
        if ((action.AuthorityRewrite ?? destination.AuthorityRewrite) is { } authority)
        {
            _request.Authority = _request.Append(authority);
        }

        if (action.DestinationEditsFirst)
        {
            destination.RequestEdits.Apply(_request, this);
            action.RequestEdits.Apply(_request, this);
        }
        else
        {
            action.RequestEdits.Apply(_request, this);
            destination.RequestEdits.Apply(_request, this);
        }
    }

    /// <summary>Response header edits of the route (and destination) and CORS headers, before the head goes downstream.</summary>
    private protected void ApplyResponseEdits()
    {
        if (_setCookie is { } cookie)
        {
            _response.AddHeader("set-cookie"u8, System.Text.Encoding.ASCII.GetBytes(cookie));
        }

        if (_action is not { } action)
        {
            return;
        }

        var destinationEdits = _destination?.ResponseEdits ?? HeaderEdits.None;
        if (action.DestinationEditsFirst)
        {
            destinationEdits.Apply(_response, this, response: true);
            action.ResponseEdits.Apply(_response, this, response: true);
        }
        else
        {
            action.ResponseEdits.Apply(_response, this, response: true);
            destinationEdits.Apply(_response, this, response: true);
        }

        if (_corsOrigin >= 0 && action.Cors is { } cors)
        {
            cors.AddResponseHeaders(_response, _request.ValueOf(_corsOrigin));
        }
    }
}
