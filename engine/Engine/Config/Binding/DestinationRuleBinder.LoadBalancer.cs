using Engine.Config.Model;
using Engine.Config.Yaml;
using static Engine.Config.Binding.CommonBinders;

namespace Engine.Config.Binding;

/// <summary>LoadBalancerSettings and its nested messages (oneofs checked here).</summary>
internal static partial class DestinationRuleBinder
{
    private static readonly EnumTable<SimpleLb> SimpleLbs = new(
        ("UNSPECIFIED", 0, SimpleLb.Unspecified),
        ("LEAST_CONN", 1, SimpleLb.LeastConn),
        ("RANDOM", 2, SimpleLb.Random),
        ("PASSTHROUGH", 3, SimpleLb.Passthrough),
        ("ROUND_ROBIN", 4, SimpleLb.RoundRobin),
        ("LEAST_REQUEST", 5, SimpleLb.LeastRequest));

    private static LoadBalancerSettings? LoadBalancer(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new LoadBalancerSettings();
        string? policySetBy = null;
        foreach (var f in r.Fields())
        {
            switch (f.Name)
            {
                case "simple" or "consistentHash":
                    if (policySetBy is not null)
                    {
                        r.OneofConflict(f, policySetBy);
                        break;
                    }

                    policySetBy = f.Name;
                    result = f.Name == "simple"
                        ? result with { Simple = ctx.Enum(f.Value, f.Path, SimpleLbs) }
                        : result with { ConsistentHash = r.Message(f, ConsistentHash) };
                    break;
                case "localityLbSetting":
                    result = result with { LocalityLbSetting = r.Message(f, LocalityLbSetting) };
                    break;
                case "warmupDurationSecs":
                    result = result with { WarmupDurationSecs = ctx.Duration(f.Value, f.Path) };
                    break;
                case "warmup":
                    result = result with { Warmup = r.Message(f, Warmup) };
                    break;
                default:
                    r.Unknown(f);
                    break;
            }
        }

        return result with { Source = r.Location() };
    }

    private static ConsistentHashLb? ConsistentHash(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new ConsistentHashLb();
        string? keySetBy = null;
        string? algorithmSetBy = null;
        foreach (var f in r.Fields())
        {
            switch (f.Name)
            {
                case "httpHeaderName" or "httpCookie" or "useSourceIp" or "httpQueryParameterName":
                    if (keySetBy is not null)
                    {
                        r.OneofConflict(f, keySetBy);
                        break;
                    }

                    keySetBy = f.Name;
                    result = f.Name switch
                    {
                        "httpHeaderName" => result with { HttpHeaderName = r.String(f) },
                        "httpCookie" => result with { HttpCookie = r.Message(f, HttpCookie) },
                        "useSourceIp" => result with { UseSourceIp = ctx.Bool(f.Value, f.Path) },
                        _ => result with { HttpQueryParameterName = r.String(f) },
                    };
                    break;
                case "ringHash" or "maglev":
                    if (algorithmSetBy is not null)
                    {
                        r.OneofConflict(f, algorithmSetBy);
                        break;
                    }

                    algorithmSetBy = f.Name;
                    result = f.Name == "ringHash"
                        ? result with { RingHash = r.Message(f, RingHash) }
                        : result with { Maglev = r.Message(f, Maglev) };
                    break;
                case "minimumRingSize":
                    result = result with { MinimumRingSize = ctx.UInt64(f.Value, f.Path) ?? 0 };
                    break;
                default:
                    r.Unknown(f);
                    break;
            }
        }

        return result with { Source = r.Location() };
    }

    private static HttpCookie? HttpCookie(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpCookie();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "name" => result with { Name = r.String(f) ?? "" },
                "path" => result with { Path = r.String(f) ?? "" },
                "ttl" => result with { Ttl = ctx.Duration(f.Value, f.Path) },
                "attributes" => result with { Attributes = r.MessageList(f, CookieAttribute) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static HttpCookieAttribute? CookieAttribute(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpCookieAttribute();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "name" => result with { Name = r.String(f) ?? "" },
                "value" => result with { Value = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static RingHash? RingHash(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new RingHash();
        foreach (var f in r.Fields())
        {
            result = f.Name == "minimumRingSize" ? result with { MinimumRingSize = ctx.UInt64(f.Value, f.Path) ?? 0 } : Unknown(r, f, result);
        }

        return result with { Source = r.Location() };
    }

    private static Maglev? Maglev(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new Maglev();
        foreach (var f in r.Fields())
        {
            result = f.Name == "tableSize" ? result with { TableSize = ctx.UInt64(f.Value, f.Path) ?? 0 } : Unknown(r, f, result);
        }

        return result with { Source = r.Location() };
    }

    private static LocalityLoadBalancerSetting? LocalityLbSetting(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new LocalityLoadBalancerSetting();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "distribute" => result with { Distribute = r.MessageList(f, LocalityDistribute) },
                "failover" => result with { Failover = r.MessageList(f, LocalityFailover) },
                "failoverPriority" => result with { FailoverPriority = r.StringList(f) },
                "enabled" => result with { Enabled = ctx.Bool(f.Value, f.Path) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static LocalityDistribute? LocalityDistribute(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new LocalityDistribute();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "from" => result with { From = r.String(f) ?? "" },
                "to" => result with { To = r.UInt32Map(f) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static LocalityFailover? LocalityFailover(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new LocalityFailover();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "from" => result with { From = r.String(f) ?? "" },
                "to" => result with { To = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static WarmupConfiguration? Warmup(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new WarmupConfiguration();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "duration" => result with { Duration = ctx.Duration(f.Value, f.Path) },
                "minimumPercent" => result with { MinimumPercent = ctx.Double(f.Value, f.Path) },
                "aggression" => result with { Aggression = ctx.Double(f.Value, f.Path) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }
}
