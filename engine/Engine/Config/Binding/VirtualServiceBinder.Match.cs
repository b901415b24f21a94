using Engine.Config.Model;
using Engine.Config.Yaml;
using static Engine.Config.Binding.CommonBinders;

namespace Engine.Config.Binding;

/// <summary>Match blocks of HTTP, TCP and TLS rules.</summary>
internal static partial class VirtualServiceBinder
{
    private static HttpMatchRequest? HttpMatchRequest(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpMatchRequest();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "name" => result with { Name = r.String(f) ?? "" },
                "uri" => result with { Uri = r.Message(f, StringMatch) },
                "scheme" => result with { Scheme = r.Message(f, StringMatch) },
                "method" => result with { Method = r.Message(f, StringMatch) },
                "authority" => result with { Authority = r.Message(f, StringMatch) },
                "headers" => result with { Headers = r.MessageMap(f, StringMatch) },
                "port" => result with { Port = ctx.UInt32(f.Value, f.Path) ?? 0 },
                "sourceLabels" => result with { SourceLabels = r.StringMap(f) },
                "gateways" => result with { Gateways = r.StringList(f) },
                "queryParams" => result with { QueryParams = r.MessageMap(f, StringMatch) },
                "ignoreUriCase" => result with { IgnoreUriCase = ctx.Bool(f.Value, f.Path) ?? false },
                "withoutHeaders" => result with { WithoutHeaders = r.MessageMap(f, StringMatch) },
                "sourceNamespace" => result with { SourceNamespace = r.String(f) ?? "" },
                "statPrefix" => result with { StatPrefix = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static TcpRoute? TcpRoute(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new TcpRoute();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "match" => result with { Match = r.MessageList(f, L4MatchAttributes) },
                "route" => result with { Route = r.MessageList(f, RouteDestination) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static TlsRoute? TlsRoute(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new TlsRoute();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "match" => result with { Match = r.MessageList(f, TlsMatchAttributes) },
                "route" => result with { Route = r.MessageList(f, RouteDestination) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static L4MatchAttributes? L4MatchAttributes(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new L4MatchAttributes();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "destinationSubnets" => result with { DestinationSubnets = r.StringList(f) },
                "port" => result with { Port = ctx.UInt32(f.Value, f.Path) ?? 0 },
                "sourceSubnet" => result with { SourceSubnet = r.String(f) ?? "" },
                "sourceLabels" => result with { SourceLabels = r.StringMap(f) },
                "gateways" => result with { Gateways = r.StringList(f) },
                "sourceNamespace" => result with { SourceNamespace = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static TlsMatchAttributes? TlsMatchAttributes(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new TlsMatchAttributes();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "sniHosts" => result with { SniHosts = r.StringList(f) },
                "destinationSubnets" => result with { DestinationSubnets = r.StringList(f) },
                "port" => result with { Port = ctx.UInt32(f.Value, f.Path) ?? 0 },
                "sourceLabels" => result with { SourceLabels = r.StringMap(f) },
                "gateways" => result with { Gateways = r.StringList(f) },
                "sourceNamespace" => result with { SourceNamespace = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }
}
