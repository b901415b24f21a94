using System.Net;
using Engine.Config;
using Engine.Proxy;
using Engine.Telemetry.AccessLogs;

namespace Engine.Admin;

/// <summary>
/// The one line <c>engine run</c> prints when it is ready: version, where it listens (proxy and
/// admin), what it loaded and compiled, how many warnings were printed above it, where the
/// access log goes. Tests and scripts wait for its "ready on".
/// </summary>
internal static class StartupSummary
{
    public static string Format(
        string version,
        IReadOnlyList<string> listeners,
        EndPoint? admin,
        ConfigSnapshot snapshot,
        RuntimeConfig config,
        int warnings,
        AccessLog? accessLog)
    {
        var routes = config.Routes.VirtualHosts.Sum(v => v.Rules.Length);
        var adminText = admin is null ? "admin off" : $"admin http://{admin}/";
        var logText = accessLog is null ? "access log off" : $"access log {accessLog.Writer.Description} ({Name(accessLog.Format)})";
        return $"engine {version} ready on {string.Join(", ", listeners)} ({adminText}, {logText}): "
               + $"{Count(snapshot.Files.Length, "config file")}, {Count(snapshot.VirtualServices.Length, "VirtualService")}, "
               + $"{Count(snapshot.DestinationRules.Length, "DestinationRule")}, {Count(snapshot.ServiceEntries.Length, "ServiceEntry", "ServiceEntries")}, "
               + $"{Count(snapshot.WorkloadEntries.Length, "WorkloadEntry", "WorkloadEntries")} -> "
               + $"{Count(config.Clusters.Count, "cluster")}, {Count(routes, "route")}; {Count(warnings, "warning")}"
               + (config.Workload is { Error: null } workload ? $"; mesh identity {workload.Identity} ({workload.Directory})" : "");
    }

    public static string Name(AccessLogFormat format) => format switch
    {
        AccessLogFormat.Json => "json",
        AccessLogFormat.Envoy => "envoy",
        _ => "text",
    };

    private static string Count(int n, string singular, string? plural = null)
        => $"{n} {(n == 1 ? singular : plural ?? singular + "s")}";
}
