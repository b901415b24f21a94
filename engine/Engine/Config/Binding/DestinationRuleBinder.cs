using Engine.Config.Model;
using Engine.Config.Yaml;
using static Engine.Config.Binding.CommonBinders;

namespace Engine.Config.Binding;

/// <summary>Binds a DestinationRule spec (istio/api <c>destination_rule.proto</c>), every field.</summary>
internal static partial class DestinationRuleBinder
{
    public static DestinationRule? Bind(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new DestinationRule();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "host" => result with { Host = r.String(f) ?? "" },
                "trafficPolicy" => result with { TrafficPolicy = r.Message(f, TrafficPolicy) },
                "subsets" => result with { Subsets = r.MessageList(f, Subset) },
                "exportTo" => result with { ExportTo = r.StringList(f) },
                "workloadSelector" => result with { WorkloadSelector = r.Message(f, MatchLabelsSelector) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static Subset? Subset(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new Subset();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "name" => result with { Name = r.String(f) ?? "" },
                "labels" => result with { Labels = r.StringMap(f) },
                "trafficPolicy" => result with { TrafficPolicy = r.Message(f, TrafficPolicy) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static TrafficPolicy? TrafficPolicy(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new TrafficPolicy();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "loadBalancer" => result with { LoadBalancer = r.Message(f, LoadBalancer) },
                "connectionPool" => result with { ConnectionPool = r.Message(f, ConnectionPool) },
                "outlierDetection" => result with { OutlierDetection = r.Message(f, OutlierDetection) },
                "tls" => result with { Tls = r.Message(f, ClientTls) },
                "portLevelSettings" => result with { PortLevelSettings = r.MessageList(f, PortTrafficPolicy) },
                "tunnel" => result with { Tunnel = r.Message(f, Tunnel) },
                "proxyProtocol" => result with { ProxyProtocol = r.Message(f, ProxyProtocol) },
                "retryBudget" => result with { RetryBudget = r.Message(f, RetryBudget) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static PortTrafficPolicy? PortTrafficPolicy(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new PortTrafficPolicy();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "port" => result with { Port = r.Message(f, PortSelector) },
                "loadBalancer" => result with { LoadBalancer = r.Message(f, LoadBalancer) },
                "connectionPool" => result with { ConnectionPool = r.Message(f, ConnectionPool) },
                "outlierDetection" => result with { OutlierDetection = r.Message(f, OutlierDetection) },
                "tls" => result with { Tls = r.Message(f, ClientTls) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }
}
