using Engine.Routing;

namespace Engine.Benchmarks.Routing;

/// <summary>
/// Builds route tables the way the compiler lays them out (virtual hosts of ordered rules), from
/// the routing types directly so the suite does not depend on YAML loading. Rules are a mix seen
/// in real VirtualServices: URI prefix (40%), exact (20%), regex (10%), prefix + header exact
/// (10%), prefix + method + header regex (10%), case-insensitive prefix (10%); every host ends
/// with a catch-all rule.
/// </summary>
internal static class RouteTables
{
    public const int RulesPerService = 10;

    public static string HostName(int host) => $"svc{host}.default.svc.cluster.local";

    /// <summary>
    /// <paramref name="singleHost"/>: all rules on one host (the worst case for a per-host scan);
    /// otherwise <see cref="RulesPerService"/> rules per host, like a mesh of that many services.
    /// </summary>
    public static RouteTable Build(int rules, bool singleHost)
    {
        var exact = new Dictionary<string, VirtualHost>(StringComparer.OrdinalIgnoreCase);
        var perHost = singleHost ? rules : RulesPerService;
        var hosts = Math.Max(1, rules / perHost);
        var global = 0;
        for (var h = 0; h < hosts; h++)
        {
            var list = new RouteRule[perHost];
            for (var j = 0; j < perHost; j++)
            {
                var catchAll = j == perHost - 1;
                list[j] = new RouteRule($"r{global}", j, catchAll ? [] : [Condition(global, j % RulesPerService)], new RouteAction([]));
                global++;
            }

            var name = HostName(h);
            exact[name] = new VirtualHost($"default/vs{h}", [name], list, fromVirtualService: true);
        }

        return new RouteTable(exact, [], catchAll: null);
    }

    /// <summary>Global rule number of host <paramref name="host"/>'s rule <paramref name="index"/>.</summary>
    public static int GlobalIndex(int rules, bool singleHost, int host, int index)
        => (host * (singleHost ? rules : RulesPerService)) + index;

    private static MatchCondition Condition(int g, int kind) => kind switch
    {
        0 or 1 or 2 or 3 => new MatchCondition { Uri = ByteMatcher.Prefix($"/api/v1/svc{g}/") },
        4 or 5 => new MatchCondition { Uri = ByteMatcher.Exact($"/svc{g}/items") },
        6 => new MatchCondition { Uri = ByteMatcher.Regex($"/svc{g}/users/[0-9]+/orders") },
        7 => new MatchCondition
        {
            Uri = ByteMatcher.Prefix($"/svc{g}/"),
            Headers = [new HeaderCondition("end-user", ByteMatcher.Exact($"user-{g}"), invert: false)],
        },
        8 => new MatchCondition
        {
            Uri = ByteMatcher.Prefix($"/svc{g}/"),
            Method = ByteMatcher.Exact("GET"),
            Headers = [new HeaderCondition("x-tenant", ByteMatcher.Regex($"tenant-{g}-[a-z]+"), invert: false)],
        },
        _ => new MatchCondition { Uri = ByteMatcher.Prefix($"/Static/{g}/", ignoreCase: true) },
    };
}
