using Engine.Config.Model;
using Engine.Config.Yaml;
using static Engine.Config.Binding.CommonBinders;
using Delegate = Engine.Config.Model.Delegate;

namespace Engine.Config.Binding;

/// <summary>Binds a VirtualService spec (istio/api <c>virtual_service.proto</c>), every field.</summary>
internal static partial class VirtualServiceBinder
{
    public static VirtualService? Bind(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new VirtualService();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "hosts" => result with { Hosts = r.StringList(f) },
                "gateways" => result with { Gateways = r.StringList(f) },
                "http" => result with { Http = r.MessageList(f, HttpRoute) },
                "tls" => result with { Tls = r.MessageList(f, TlsRoute) },
                "tcp" => result with { Tcp = r.MessageList(f, TcpRoute) },
                "exportTo" => result with { ExportTo = r.StringList(f) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static HttpRoute? HttpRoute(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpRoute();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "name" => result with { Name = r.String(f) ?? "" },
                "match" => result with { Match = r.MessageList(f, HttpMatchRequest) },
                "route" => result with { Route = r.MessageList(f, HttpRouteDestination) },
                "redirect" => result with { Redirect = r.Message(f, HttpRedirect) },
                "directResponse" => result with { DirectResponse = r.Message(f, HttpDirectResponse) },
                "delegate" => result with { Delegate = r.Message(f, Delegate) },
                "rewrite" => result with { Rewrite = r.Message(f, HttpRewrite) },
                "timeout" => result with { Timeout = ctx.Duration(f.Value, f.Path) },
                "retries" => result with { Retries = r.Message(f, HttpRetry) },
                "fault" => result with { Fault = r.Message(f, HttpFaultInjection) },
                "mirror" => result with { Mirror = r.Message(f, Destination) },
                "mirrors" => result with { Mirrors = r.MessageList(f, HttpMirrorPolicy) },
                "mirrorPercent" => result with { MirrorPercent = ctx.UInt32(f.Value, f.Path) },
                "mirrorPercentage" => result with { MirrorPercentage = Percent(r, f) },
                "corsPolicy" => result with { CorsPolicy = r.Message(f, CorsPolicy) },
                "headers" => result with { Headers = r.Message(f, Headers) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static HttpRouteDestination? HttpRouteDestination(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpRouteDestination();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "destination" => result with { Destination = r.Message(f, Destination) },
                "weight" => result with { Weight = ctx.Int32(f.Value, f.Path) ?? 0 },
                "headers" => result with { Headers = r.Message(f, Headers) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static RouteDestination? RouteDestination(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new RouteDestination();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "destination" => result with { Destination = r.Message(f, Destination) },
                "weight" => result with { Weight = ctx.Int32(f.Value, f.Path) ?? 0 },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static HttpMirrorPolicy? HttpMirrorPolicy(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpMirrorPolicy();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "destination" => result with { Destination = r.Message(f, Destination) },
                "percentage" => result with { Percentage = Percent(r, f) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static Delegate? Delegate(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new Delegate();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "name" => result with { Name = r.String(f) ?? "" },
                "namespace" => result with { Namespace = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }
}
