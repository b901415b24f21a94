using System.Collections.Immutable;
using Engine.Config.Model;
using static Engine.Config.Validation.CommonChecks;

namespace Engine.Config.Validation;

/// <summary>HTTP rules: action conflicts, matches, destinations and weights.</summary>
internal static partial class VirtualServiceValidator
{
    private static void HttpRoute(ResourceReporter r, HttpRoute route, bool inDelegate)
    {
        var s = route.Source;
        if (route.Delegate is { } target && !inDelegate)
        {
            // Root rule: only delegate may be the action.
            if (route.Redirect is not null)
            {
                r.Error(s, "redirect", "a root HTTP route with delegate must not specify redirect");
            }

            if (!route.Route.IsEmpty)
            {
                r.Error(s, "route", "a root HTTP route with delegate must not specify route");
            }

            if (target.Name.Length == 0)
            {
                r.Error(target.Source, "name", "delegate name is required");
            }
        }
        else
        {
            ActionConflicts(r, route, inDelegate);
        }

        if (route.Mirror is not null && !route.Mirrors.IsEmpty)
        {
            r.Error(s, "mirrors", "HTTP route cannot contain both mirror and mirrors");
        }

        foreach (var match in route.Match)
        {
            Match(r, match);
        }

        Headers(r, route.Headers);
        Cors(r, route.CorsPolicy);
        Fault(r, route.Fault);
        Mirrors(r, route);
        Redirect(r, route);
        DirectResponse(r, route.DirectResponse);
        Retries(r, route.Retries);
        Rewrite(r, route.Rewrite);
        AuthorityRewrite(r, route);
        HttpDestinations(r, s, route.Route);
        Duration(r, s, "timeout", route.Timeout);
    }

    /// <summary>Exactly one of route, redirect, directResponse (istio <c>validateHTTPRouteConflict</c>).</summary>
    private static void ActionConflicts(ResourceReporter r, HttpRoute route, bool inDelegate)
    {
        var s = route.Source;
        if (inDelegate && route.Delegate is not null)
        {
            r.Error(s, "delegate", "an HTTP route of a delegate VirtualService cannot delegate again (only one level of delegation)");
        }

        if (route.Redirect is not null)
        {
            Conflict(r, s, !route.Route.IsEmpty, "route", "HTTP route cannot contain both route and redirect");
            Conflict(r, s, route.Fault is not null, "fault", "HTTP route cannot contain both fault and redirect");
            Conflict(r, s, route.Rewrite is not null, "rewrite", "HTTP route cannot contain both rewrite and redirect");
            Conflict(r, s, route.DirectResponse is not null, "directResponse", "HTTP route cannot contain both directResponse and redirect");
        }
        else if (route.DirectResponse is not null)
        {
            Conflict(r, s, !route.Route.IsEmpty, "route", "HTTP route cannot contain both route and directResponse");
            Conflict(r, s, route.Fault is not null, "fault", "HTTP route cannot contain both fault and directResponse");
            Conflict(r, s, route.Rewrite is not null, "rewrite", "HTTP route cannot contain both rewrite and directResponse");
        }
        else if (route.Route.IsEmpty && route.Delegate is null)
        {
            r.Missing(s, "HTTP route, redirect or directResponse is required", "route", "redirect", "directResponse");
        }
    }

    private static void Conflict(ResourceReporter r, SourceLocation owner, bool conflict, string field, string message)
    {
        if (conflict)
        {
            r.Error(owner, field, message);
        }
    }

    private static void Match(ResourceReporter r, HttpMatchRequest m)
    {
        foreach (var (name, match) in m.Headers)
        {
            var at = m.Source.Field(SourceLocation.Join("headers", SourceLocation.KeySegment(name)));
            if (HeaderRules.CheckMatchName(name) is { } error)
            {
                r.Error(at, error);
            }
            else if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                r.Warning(at, "a header match on \"host\" never matches (the proxy keeps Host as :authority); match on authority instead");
            }

            StringMatch(r, match);
        }

        foreach (var (name, match) in m.WithoutHeaders)
        {
            if (HeaderRules.CheckMatchName(name) is { } error)
            {
                r.Error(m.Source, SourceLocation.Join("withoutHeaders", SourceLocation.KeySegment(name)), error);
            }

            // regex "*" is not RE2 here: Istio turns it into a presence match.
            if (!(match.Kind == StringMatchKind.Regex && match.Value == "*"))
            {
                StringMatch(r, match);
            }
        }

        // An empty uri prefix is allowed (Envoy's route prefix may be empty); scheme/method/authority's may not.
        StringMatch(r, m.Uri, allowEmptyPrefix: true);
        StringMatch(r, m.Scheme);
        StringMatch(r, m.Method);
        StringMatch(r, m.Authority);
        foreach (var match in m.QueryParams.Values)
        {
            StringMatch(r, match);
        }

        Port(r, m.Source, "port", m.Port);
        Labels(r, m.Source, "sourceLabels", m.SourceLabels);
        GatewayNames(r, m.Source, "gateways", m.Gateways);
        if (m.SourceNamespace.Length > 0 && !NameRules.IsDns1123Label(m.SourceNamespace))
        {
            r.Error(m.Source, "sourceNamespace", $"sourceNamespace \"{m.SourceNamespace}\" is invalid (must be a DNS-1123 label)");
        }
    }

    /// <summary>Weights ≥ 0; with more than one destination their sum must be positive (relative weights since Istio 1.15).</summary>
    private static void HttpDestinations(ResourceReporter r, SourceLocation owner, ImmutableArray<HttpRouteDestination> route)
    {
        long total = 0;
        var weightFailed = false;
        foreach (var d in route)
        {
            if (d.Destination is null)
            {
                r.Error(d.Source, "destination", "destination is required");
            }
            else
            {
                Destination(r, d.Destination);
            }

            Headers(r, d.Headers);
            if (d.Weight < 0)
            {
                r.Error(d.Source, "weight", "must be >= 0");
            }

            weightFailed |= r.Failed(d.Source, "weight");
            total += d.Weight;
        }

        if (route.Length > 1 && total == 0 && !weightFailed)
        {
            r.Error(owner, "route", "total destination weight is 0: with more than one destination at least one weight must be positive");
        }
    }

    /// <summary>TCP and TLS destinations: same rules without header operations.</summary>
    private static void L4Destinations(ResourceReporter r, SourceLocation owner, ImmutableArray<RouteDestination> route)
    {
        long total = 0;
        var weightFailed = false;
        foreach (var d in route)
        {
            if (d.Destination is null)
            {
                r.Error(d.Source, "destination", "destination is required");
            }
            else
            {
                Destination(r, d.Destination);
            }

            if (d.Weight < 0)
            {
                r.Error(d.Source, "weight", "must be >= 0");
            }

            weightFailed |= r.Failed(d.Source, "weight");
            total += d.Weight;
        }

        if (route.Length > 1 && total == 0 && !weightFailed)
        {
            r.Error(owner, "route", "total destination weight is 0: with more than one destination at least one weight must be positive");
        }
    }
}
