using Engine.Config.Model;
using static Engine.Config.Validation.CommonChecks;

namespace Engine.Config.Validation;

/// <summary>What Istio's control plane rejects in a DestinationRule (<c>ValidateDestinationRule</c>).</summary>
internal static partial class DestinationRuleValidator
{
    public static void Validate(IstioResource<DestinationRule> resource, ResourceReporter r)
    {
        var dr = resource.Spec;
        var s = dr.Source;
        if (dr.Host.Length == 0)
        {
            r.Error(s, "host", "host is required");
        }
        else if (NameRules.CheckWildcardDomain(dr.Host) is { } error)
        {
            r.Error(s, "host", error);
        }

        TrafficPolicy(r, dr.TrafficPolicy);
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < dr.Subsets.Length; i++)
        {
            var subset = dr.Subsets[i];
            if (subset.Name.Length == 0)
            {
                r.Error(subset.Source, "name", "subset name is required");
            }
            else if (!names.TryAdd(subset.Name, i))
            {
                r.Error(subset.Source, "name", $"duplicate subset name \"{subset.Name}\" (also subsets[{names[subset.Name]}])");
            }
            else if (!NameRules.IsDns1123Label(subset.Name))
            {
                r.Error(subset.Source, "name", $"subset name \"{subset.Name}\" is invalid (must be a DNS-1123 label)");
            }

            Labels(r, subset.Source, "labels", subset.Labels);
            TrafficPolicy(r, subset.TrafficPolicy);
        }

        ExportTo(r, s, dr.ExportTo, isServiceEntry: false, hasWorkloadSelector: dr.WorkloadSelector is not null);
        WorkloadSelector(r, dr.WorkloadSelector, "matchLabels");
    }

    private static void TrafficPolicy(ResourceReporter r, TrafficPolicy? policy)
    {
        if (policy is null)
        {
            return;
        }

        var s = policy.Source;
        if (policy.LoadBalancer is null && policy.ConnectionPool is null && policy.OutlierDetection is null && policy.Tls is null
            && policy.PortLevelSettings.IsEmpty && policy.Tunnel is null && policy.ProxyProtocol is null && policy.RetryBudget is null)
        {
            r.Missing(s, "traffic policy must have at least one field", "loadBalancer", "connectionPool", "outlierDetection", "tls", "portLevelSettings", "tunnel", "proxyProtocol", "retryBudget");
        }

        if (policy.Tunnel is not null && policy.ProxyProtocol is not null)
        {
            r.Error(s, "proxyProtocol", "tunnel and proxyProtocol must not be set together");
        }

        OutlierDetection(r, policy.OutlierDetection);
        ConnectionPool(r, policy.ConnectionPool);
        LoadBalancer(r, policy.LoadBalancer, policy.OutlierDetection);
        Tls(r, policy.Tls);
        PortLevelSettings(r, policy);
        Tunnel(r, policy.Tunnel);
        RetryBudget(r, policy.RetryBudget);
        Unenforced(r, policy);
    }

    /// <summary>Each entry needs a port (unique within the policy) and at least one setting.</summary>
    private static void PortLevelSettings(ResourceReporter r, TrafficPolicy policy)
    {
        var ports = new Dictionary<uint, int>();
        for (var i = 0; i < policy.PortLevelSettings.Length; i++)
        {
            var p = policy.PortLevelSettings[i];
            if (p.Port is not { } port)
            {
                r.Error(p.Source, "port", "port is required in portLevelSettings");
            }
            else if (port.Number == 0)
            {
                r.Error(port.Source, "number", "port number must be in the range 1..65535");
            }
            else if (ValueRules.CheckPort(port.Number) is { } error)
            {
                r.Error(port.Source, "number", error);
            }
            else if (!ports.TryAdd(port.Number, i))
            {
                r.Error(port.Source, "number", $"duplicate port {port.Number} in portLevelSettings (also portLevelSettings[{ports[port.Number]}])");
            }

            if (p.LoadBalancer is null && p.ConnectionPool is null && p.OutlierDetection is null && p.Tls is null)
            {
                r.Missing(p.Source, "port traffic policy must have at least one of loadBalancer, connectionPool, outlierDetection or tls", "loadBalancer", "connectionPool", "outlierDetection", "tls");
            }

            OutlierDetection(r, p.OutlierDetection);
            ConnectionPool(r, p.ConnectionPool);
            LoadBalancer(r, p.LoadBalancer, p.OutlierDetection);
            Tls(r, p.Tls);
        }
    }
}
