using Engine.Config;
using Engine.Proxy;
using Engine.Routing;
using Engine.Upstream;

namespace Engine.Admin.Dumps;

/// <summary>Builds <see cref="ConfigDump"/> from the running configuration and the resources it came from.</summary>
internal static class ConfigDumpBuilder
{
    public static ConfigDump Build(RuntimeConfig config, ConfigSnapshot? snapshot, IEnumerable<string> listeners)
    {
        var resources = new List<ResourceDump>();
        if (snapshot is not null)
        {
            resources.AddRange(snapshot.VirtualServices.Select(r => new ResourceDump(r.Kind.ToString(), r.Namespace, r.Name, r.Source.File, r.Source.Line)));
            resources.AddRange(snapshot.DestinationRules.Select(r => new ResourceDump(r.Kind.ToString(), r.Namespace, r.Name, r.Source.File, r.Source.Line)));
            resources.AddRange(snapshot.ServiceEntries.Select(r => new ResourceDump(r.Kind.ToString(), r.Namespace, r.Name, r.Source.File, r.Source.Line)));
            resources.AddRange(snapshot.WorkloadEntries.Select(r => new ResourceDump(r.Kind.ToString(), r.Namespace, r.Name, r.Source.File, r.Source.Line)));
        }

        return new ConfigDump(
            config.Version,
            config.Version == 0 ? null : config.LoadedAt,
            snapshot?.DefaultNamespace ?? string.Empty,
            listeners.ToArray(),
            snapshot is null ? [] : snapshot.Files.ToArray(),
            resources,
            config.Routes.VirtualHosts.OrderBy(v => v.Name, StringComparer.Ordinal).Select(VirtualHost).ToArray(),
            config.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal).Select(Cluster).ToArray());
    }

    // A VirtualService with port matches has one rule set per port it names (match.port is static).
    private static VirtualHostDump VirtualHost(VirtualHost host)
        => new(host.Port is { } port ? $"{host.Name} (port {port})" : host.Name, host.Domains, host.FromVirtualService, host.Rules.Select(Route).ToArray());

    private static RouteDump Route(RouteRule rule)
        => new(rule.Name, rule.Index, rule.Matches.Select(Describe).ToArray(), rule.Action.Destinations.Select(Destination).ToArray(), Policies(rule.Action));

    /// <summary>The action beyond its destinations, one line per feature it uses (the policies' own descriptions).</summary>
    private static string[] Policies(RouteAction action)
    {
        var lines = new List<string>();
        if (action.Redirect is { } redirect)
        {
            lines.Add("redirect " + redirect.Describe());
        }

        if (action.DirectResponse is { } direct)
        {
            lines.Add($"direct response {direct.Status} with a {direct.Body.Length}-byte body");
        }

        if (action.PathRewrite is { } rewrite)
        {
            lines.Add("rewrite " + rewrite.Description);
        }

        if (action.AuthorityRewrite is { } authority)
        {
            lines.Add("authority rewrite " + System.Text.Encoding.UTF8.GetString(authority));
        }

        lines.AddRange(action.RequestEdits.Describe().Select(e => "request " + e));
        lines.AddRange(action.ResponseEdits.Describe().Select(e => "response " + e));
        if (action.Cors is { } cors)
        {
            lines.Add(cors.Describe());
        }

        if (action.Timeout is { } timeout)
        {
            lines.Add($"timeout {timeout.TotalMilliseconds} ms");
        }

        lines.Add("retries " + action.Retry.Describe());
        if (action.Fault is { } fault)
        {
            lines.Add("fault " + fault.Describe());
        }

        lines.AddRange(action.Mirrors.Select(m => m.Describe()));
        return lines.ToArray();
    }

    private static DestinationDump Destination(RouteDestination d)
    {
        var clusters = d.FixedCluster is { } fixedCluster ? [fixedCluster.Name] : d.ClustersByPort.Select(p => p.Cluster.Name).ToArray();
        return new DestinationDump(d.Host, d.Subset, d.Port, d.Weight, clusters);
    }

    /// <summary>One match entry as the conditions it ANDs, e.g. <c>uri prefix "/api", header end-user exact "jason"</c>.</summary>
    private static string Describe(MatchCondition m)
    {
        var parts = new List<string>();
        if (m.Name is { Length: > 0 } name)
        {
            parts.Add($"name \"{name}\"");
        }

        if (m.Uri is not null)
        {
            parts.Add($"uri {m.Uri}");
        }

        if (m.Scheme is not null)
        {
            parts.Add($"scheme {m.Scheme}");
        }

        if (m.Method is not null)
        {
            parts.Add($"method {m.Method}");
        }

        if (m.Authority is not null)
        {
            parts.Add($"authority {m.Authority}");
        }

        parts.AddRange(m.Headers.Select(h => h.ToString()));
        parts.AddRange(m.QueryParams.Select(q => q.ToString()));
        if (m.Port is { } port)
        {
            parts.Add($"port {port}");
        }

        return parts.Count == 0 ? "any" : string.Join(", ", parts);
    }

    private static ClusterDump Cluster(Cluster c)
    {
        var balancer = c.Balancer.GetType().Name;
        if (balancer.EndsWith("Balancer", StringComparison.Ordinal))
        {
            balancer = balancer[..^"Balancer".Length];
        }

        var s = c.Settings;
        return new ClusterDump(
            c.Name,
            c.Host,
            c.Port,
            c.Subset,
            balancer,
            s.ConnectTimeout.TotalSeconds,
            s.IdleTimeout.TotalSeconds,
            s.MaxRequestsPerConnection,
            c.ShownEndpoints.Select(e => new EndpointDump(e.Address.ToString(), e.Weight, e.Labels)).ToArray());
    }
}
