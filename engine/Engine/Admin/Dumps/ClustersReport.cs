using System.Globalization;
using System.Text;
using Engine.Proxy;
using Engine.Upstream;

namespace Engine.Admin.Dumps;

/// <summary>
/// <c>/clusters</c>: Envoy's text layout, one <c>cluster::host::stat::value</c> line per value
/// (what <c>istioctl proxy-config endpoints</c> style tooling greps), or JSON with <c>?format=json</c>.
/// </summary>
internal static class ClustersReport
{
    public static ClustersDump Build(RuntimeConfig config)
        => new(config.Clusters.Values.OrderBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => new ClusterStatusDump(c.Name, c.ShownEndpoints.Select(Host).ToArray()))
            .ToArray());

    public static string Text(ClustersDump dump)
    {
        var text = new StringBuilder();
        foreach (var cluster in dump.Clusters)
        {
            foreach (var h in cluster.Hosts)
            {
                var prefix = cluster.Name + "::" + h.Address + "::";
                Line(text, prefix, "rq_active", h.ActiveRequests);
                Line(text, prefix, "cx_active", h.ActiveConnections);
                Line(text, prefix, "cx_idle", h.IdleConnections);
                Line(text, prefix, "cx_total", h.ConnectionsTotal);
                Line(text, prefix, "weight", h.Weight);
                text.Append(prefix).Append("health_flags::").Append(h.HealthFlags).Append('\n');
                text.Append(prefix).Append("ejected::").Append(h.Ejected ? "true" : "false").Append('\n');
            }
        }

        return text.ToString();
    }

    /// <summary>Envoy's health flags: <c>healthy</c>, or <c>/failed_outlier_check</c> while outlier detection has the host ejected.</summary>
    private static HostStatusDump Host(Endpoint e)
    {
        var ejected = e.Health?.Ejected == true;
        return new(e.Address.ToString(), e.Weight, ejected ? "/failed_outlier_check" : "healthy", ejected, e.ActiveRequests, e.Pool.OpenConnectionsAnyProtocol, e.Pool.IdleConnections, e.Pool.ConnectionsOpenedAnyProtocol);
    }

    private static void Line(StringBuilder text, string prefix, string stat, long value)
        => text.Append(prefix).Append(stat).Append("::").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
