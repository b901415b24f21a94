using Engine.Config.Model;
using Engine.Config.Yaml;
using static Engine.Config.Binding.CommonBinders;

namespace Engine.Config.Binding;

/// <summary>Rule actions and policies: redirect, direct response, rewrite, retries, fault, CORS.</summary>
internal static partial class VirtualServiceBinder
{
    private static readonly EnumTable<RedirectPortSelection> RedirectPortSelections = new(
        ("FROM_PROTOCOL_DEFAULT", 0, RedirectPortSelection.FromProtocolDefault),
        ("FROM_REQUEST_PORT", 1, RedirectPortSelection.FromRequestPort));

    private static readonly EnumTable<UnmatchedPreflights> UnmatchedPreflightsValues = new(
        ("UNSPECIFIED", 0, UnmatchedPreflights.Unspecified),
        ("FORWARD", 1, UnmatchedPreflights.Forward),
        ("IGNORE", 2, UnmatchedPreflights.Ignore));

    private static HttpRedirect? HttpRedirect(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpRedirect();
        string? portSetBy = null;
        foreach (var f in r.Fields())
        {
            switch (f.Name)
            {
                case "uri":
                    result = result with { Uri = r.String(f) ?? "" };
                    break;
                case "prefixRewrite":
                    result = result with { PrefixRewrite = r.String(f) ?? "" };
                    break;
                case "authority":
                    result = result with { Authority = r.String(f) ?? "" };
                    break;
                case "scheme":
                    result = result with { Scheme = r.String(f) ?? "" };
                    break;
                case "redirectCode":
                    result = result with { RedirectCode = ctx.UInt32(f.Value, f.Path) ?? 0 };
                    break;
                case "port" or "derivePort":
                    if (portSetBy is not null)
                    {
                        r.OneofConflict(f, portSetBy);
                        break;
                    }

                    portSetBy = f.Name;
                    result = f.Name == "port"
                        ? result with { Port = ctx.UInt32(f.Value, f.Path) }
                        : result with { DerivePort = ctx.Enum(f.Value, f.Path, RedirectPortSelections) };
                    break;
                default:
                    r.Unknown(f);
                    break;
            }
        }

        return result with { Source = r.Location() };
    }

    private static HttpDirectResponse? HttpDirectResponse(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpDirectResponse();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "status" => result with { Status = ctx.UInt32(f.Value, f.Path) ?? 0 },
                "body" => result with { Body = r.Message(f, HttpBody) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static HttpBody? HttpBody(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpBody();
        string? setBy = null;
        foreach (var f in r.Fields())
        {
            if (f.Name is not ("string" or "bytes"))
            {
                r.Unknown(f);
                continue;
            }

            if (setBy is not null)
            {
                r.OneofConflict(f, setBy);
                continue;
            }

            setBy = f.Name;
            result = f.Name == "string"
                ? result with { String = r.String(f) }
                : result with { Bytes = ctx.Bytes(f.Value, f.Path) };
        }

        return result with { Source = r.Location() };
    }

    private static HttpRewrite? HttpRewrite(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpRewrite();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "uri" => result with { Uri = r.String(f) ?? "" },
                "authority" => result with { Authority = r.String(f) ?? "" },
                "uriRegexRewrite" => result with { UriRegexRewrite = r.Message(f, RegexRewrite) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static RegexRewrite? RegexRewrite(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new RegexRewrite();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "match" => result with { Match = r.String(f) ?? "" },
                "rewrite" => result with { Rewrite = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static HttpRetry? HttpRetry(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpRetry();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "attempts" => result with { Attempts = ctx.Int32(f.Value, f.Path) ?? 0 },
                "perTryTimeout" => result with { PerTryTimeout = ctx.Duration(f.Value, f.Path) },
                "retryOn" => result with { RetryOn = r.String(f) ?? "" },
                "retryRemoteLocalities" => result with { RetryRemoteLocalities = ctx.Bool(f.Value, f.Path) },
                "retryIgnorePreviousHosts" => result with { RetryIgnorePreviousHosts = ctx.Bool(f.Value, f.Path) },
                "backoff" => result with { Backoff = ctx.Duration(f.Value, f.Path) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static HttpFaultInjection? HttpFaultInjection(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new HttpFaultInjection();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "delay" => result with { Delay = r.Message(f, FaultDelay) },
                "abort" => result with { Abort = r.Message(f, FaultAbort) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static FaultDelay? FaultDelay(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new FaultDelay();
        string? typeSetBy = null;
        foreach (var f in r.Fields())
        {
            switch (f.Name)
            {
                case "fixedDelay" or "exponentialDelay":
                    if (typeSetBy is not null)
                    {
                        r.OneofConflict(f, typeSetBy);
                        break;
                    }

                    typeSetBy = f.Name;
                    var delay = ctx.Duration(f.Value, f.Path);
                    result = f.Name == "fixedDelay" ? result with { FixedDelay = delay } : result with { ExponentialDelay = delay };
                    break;
                case "percent":
                    result = result with { Percent = ctx.Int32(f.Value, f.Path) };
                    break;
                case "percentage":
                    result = result with { Percentage = Percent(r, f) };
                    break;
                default:
                    r.Unknown(f);
                    break;
            }
        }

        return result with { Source = r.Location() };
    }

    private static FaultAbort? FaultAbort(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new FaultAbort();
        string? typeSetBy = null;
        foreach (var f in r.Fields())
        {
            switch (f.Name)
            {
                case "httpStatus" or "grpcStatus" or "http2Error":
                    if (typeSetBy is not null)
                    {
                        r.OneofConflict(f, typeSetBy);
                        break;
                    }

                    typeSetBy = f.Name;
                    result = f.Name switch
                    {
                        "httpStatus" => result with { HttpStatus = ctx.Int32(f.Value, f.Path) },
                        "grpcStatus" => result with { GrpcStatus = r.String(f) },
                        _ => result with { Http2Error = r.String(f) },
                    };
                    break;
                case "percentage":
                    result = result with { Percentage = Percent(r, f) };
                    break;
                default:
                    r.Unknown(f);
                    break;
            }
        }

        return result with { Source = r.Location() };
    }

    private static CorsPolicy? CorsPolicy(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new CorsPolicy();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "allowOrigin" => result with { AllowOrigin = r.StringList(f) },
                "allowOrigins" => result with { AllowOrigins = r.MessageList(f, StringMatch) },
                "allowMethods" => result with { AllowMethods = r.StringList(f) },
                "allowHeaders" => result with { AllowHeaders = r.StringList(f) },
                "exposeHeaders" => result with { ExposeHeaders = r.StringList(f) },
                "maxAge" => result with { MaxAge = ctx.Duration(f.Value, f.Path) },
                "allowCredentials" => result with { AllowCredentials = ctx.Bool(f.Value, f.Path) },
                "unmatchedPreflights" => result with { UnmatchedPreflights = ctx.Enum(f.Value, f.Path, UnmatchedPreflightsValues) ?? default },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }
}
