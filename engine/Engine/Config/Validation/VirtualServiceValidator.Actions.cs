using System.Text;
using Engine.Config.Model;
using static Engine.Config.Validation.CommonChecks;

namespace Engine.Config.Validation;

/// <summary>Per-rule actions and policies: CORS, fault, mirrors, redirect, direct response, retries, rewrite.</summary>
internal static partial class VirtualServiceValidator
{
    private const int DirectResponseBodyLimit = 1024 * 1024;
    private const int DirectResponseBodyWarning = 100 * 1024;

    private static readonly HashSet<uint> SupportedRedirectCodes = [301, 302, 303, 307, 308];

    private static void Cors(ResourceReporter r, CorsPolicy? cors)
    {
        if (cors is null)
        {
            return;
        }

        var s = cors.Source;
        if (!cors.AllowOrigin.IsEmpty)
        {
            r.Warning(s, "allowOrigin", "allowOrigin is deprecated; use allowOrigins");
        }

        for (var i = 0; i < cors.AllowOrigins.Length; i++)
        {
            var origin = cors.AllowOrigins[i];
            if (origin.Kind == StringMatchKind.Presence || origin.Value.Length == 0)
            {
                r.Error(s, $"allowOrigins[{i}]", "an allowOrigins entry needs a non-empty exact, prefix or regex");
            }
            else
            {
                StringMatch(r, origin);
            }
        }

        for (var i = 0; i < cors.AllowMethods.Length; i++)
        {
            if (!ValueRules.HttpMethods.Contains(cors.AllowMethods[i]))
            {
                r.Error(s, $"allowMethods[{i}]", $"\"{cors.AllowMethods[i]}\" is not a supported HTTP method");
            }
        }

        foreach (var (field, names) in new[] { ("allowHeaders", cors.AllowHeaders), ("exposeHeaders", cors.ExposeHeaders) })
        {
            for (var i = 0; i < names.Length; i++)
            {
                if (HeaderRules.CheckCorsName(names[i]) is { } error)
                {
                    r.Error(s, $"{field}[{i}]", error);
                }
            }
        }

        if (cors.MaxAge is { } maxAge)
        {
            Duration(r, s, "maxAge", maxAge);
            if (maxAge.Ticks % TimeSpan.TicksPerSecond != 0)
            {
                r.Error(s, "maxAge", "maxAge must be a whole number of seconds");
            }
        }
    }

    private static void Fault(ResourceReporter r, HttpFaultInjection? fault)
    {
        if (fault is null)
        {
            return;
        }

        if (fault.Delay is null && fault.Abort is null)
        {
            r.Missing(fault.Source, "fault injection must have an abort and/or a delay", "delay", "abort");
        }

        if (fault.Abort is { } abort)
        {
            var s = abort.Source;
            Percentage(r, s, "percentage", abort.Percentage);
            if (abort.HttpStatus is { } status)
            {
                if (status is < 200 or > 599)
                {
                    r.Error(s, "httpStatus", $"HTTP status {status} is not in range 200-599");
                }
            }
            else if (abort.GrpcStatus is { } grpc)
            {
                if (!ValueRules.GrpcStatuses.Contains(grpc))
                {
                    r.Error(s, "grpcStatus", $"gRPC status \"{grpc}\" is not supported (use an upper-case name such as UNAVAILABLE)");
                }
            }
            else if (abort.Http2Error is not null)
            {
                r.Error(s, "http2Error", "HTTP/2 abort fault injection is not supported");
            }
            else if (!r.Failed(s, "httpStatus") && !r.Failed(s, "grpcStatus"))
            {
                r.Warning(s, "abort configured without httpStatus or grpcStatus; it does nothing");
            }

            if (abort.Percentage is null && !r.Failed(s, "percentage"))
            {
                r.Warning(s, "abort without percentage never fires (the percentage defaults to 0)");
            }
        }

        if (fault.Delay is { } delay)
        {
            var s = delay.Source;
            Percentage(r, s, "percentage", delay.Percentage);
            if (delay.Percent is { } percent)
            {
                if (percent is < 0 or > 100)
                {
                    r.Error(s, "percent", $"percentage {percent} is not in range 0..100");
                }

                r.Warning(s, "percent", "percent is deprecated; use percentage");
            }

            Duration(r, s, "fixedDelay", delay.FixedDelay);
            if (delay.ExponentialDelay is not null)
            {
                r.Error(s, "exponentialDelay", "exponentialDelay is not supported");
            }
            else if (delay.FixedDelay is null && !r.Failed(s, "fixedDelay"))
            {
                r.Warning(s, "delay without fixedDelay is ignored");
            }

            if (delay.Percentage is null && delay.Percent is null && !r.Failed(s, "percentage") && !r.Failed(s, "percent"))
            {
                r.Warning(s, "delay without percentage never fires (the percentage defaults to 0)");
            }
        }
    }

    private static void Mirrors(ResourceReporter r, HttpRoute route)
    {
        var s = route.Source;
        if (route.MirrorPercent is { } percent)
        {
            if (percent > 100)
            {
                r.Error(s, "mirrorPercent", $"mirrorPercent must be at most 100 (got {percent})");
            }

            r.Warning(s, "mirrorPercent", "mirrorPercent is deprecated; use mirrorPercentage");
        }

        if (route.MirrorPercentage is { } percentage and (< 0 or > 100))
        {
            r.Error(s, "mirrorPercentage", $"mirrorPercentage must be between 0 and 100 (got {percentage})");
        }

        if (route.Mirror is { } mirror)
        {
            Destination(r, mirror);
        }

        foreach (var m in route.Mirrors)
        {
            if (m.Destination is null)
            {
                r.Error(m.Source, "destination", "destination is required for mirrors");
            }
            else
            {
                Destination(r, m.Destination);
            }

            if (m.Percentage is { } p and (< 0 or > 100))
            {
                r.Error(m.Source, "percentage", $"mirror percentage must be between 0 and 100 (got {p})");
            }
        }
    }

    private static void Redirect(ResourceReporter r, HttpRoute route)
    {
        if (route.Redirect is not { } redirect)
        {
            return;
        }

        var s = redirect.Source;
        if (redirect.Uri.Length == 0 && redirect.PrefixRewrite.Length == 0 && redirect.Authority.Length == 0
            && redirect.Port is null && redirect.DerivePort is null && redirect.Scheme.Length == 0)
        {
            r.Missing(s, "redirect must specify uri, prefixRewrite, authority, scheme, port or derivePort", "uri", "prefixRewrite", "authority", "scheme", "port", "derivePort");
        }

        if (redirect.Uri.Length > 0 && redirect.PrefixRewrite.Length > 0)
        {
            r.Error(s, "prefixRewrite", "only one of uri and prefixRewrite may be set");
        }

        if (redirect.PrefixRewrite.Length > 0 && route.Match.Any(m => m.Uri is { Kind: not StringMatchKind.Prefix }))
        {
            r.Warning(s, "prefixRewrite", "prefixRewrite only rewrites requests matched by a uri prefix");
        }

        if (redirect.RedirectCode != 0)
        {
            if (redirect.RedirectCode is < 300 or > 399)
            {
                r.Error(s, "redirectCode", $"{redirect.RedirectCode} is not a valid redirect code, must be 3xx");
            }
            else if (!SupportedRedirectCodes.Contains(redirect.RedirectCode))
            {
                r.Error(s, "redirectCode", $"redirect code {redirect.RedirectCode} is not supported (use 301, 302, 303, 307 or 308)");
            }
        }

        if (redirect.Scheme.Length > 0 && redirect.Scheme is not ("http" or "https"))
        {
            r.Error(s, "scheme", "invalid redirect scheme, must be \"http\" or \"https\"");
        }

        if (redirect.Port is { } port && ValueRules.CheckPort(port) is { } error)
        {
            r.Error(s, "port", error);
        }
    }

    private static void DirectResponse(ResourceReporter r, HttpDirectResponse? response)
    {
        if (response is null)
        {
            return;
        }

        if (response.Status is < 200 or > 599)
        {
            r.Error(response.Source, "status", $"HTTP status {response.Status} is not in range 200-599");
        }

        if (response.Body is { } body)
        {
            var size = body.String is { } text ? Encoding.UTF8.GetByteCount(text) : body.Bytes?.Length ?? 0;
            if (size > DirectResponseBodyLimit)
            {
                r.Error(response.Source, "body", "direct response body must be smaller than 1MB");
            }
            else if (size > DirectResponseBodyWarning)
            {
                r.Warning(response.Source, "body", "large direct response bodies (over 100KB) slow down configuration");
            }
        }
    }

    private static void Retries(ResourceReporter r, HttpRetry? retry)
    {
        if (retry is null)
        {
            return;
        }

        var s = retry.Source;
        if (retry.Attempts < 0)
        {
            r.Error(s, "attempts", "attempts cannot be negative");
        }

        var configured = retry.PerTryTimeout is not null || retry.RetryOn.Length > 0 || retry.RetryRemoteLocalities is not null
            || retry.RetryIgnorePreviousHosts is not null || retry.Backoff is not null;
        if (retry.Attempts == 0 && configured)
        {
            r.Error(s, "attempts", "retry policy configured while attempts is 0 (retries disabled)");
        }

        Duration(r, s, "perTryTimeout", retry.PerTryTimeout);
        Duration(r, s, "backoff", retry.Backoff);
        if (retry.RetryOn.Length > 0)
        {
            // Istio splits on ',' without trimming, so "503, reset" is rejected.
            foreach (var token in retry.RetryOn.Split(','))
            {
                if (!ValueRules.IsRetryOnToken(token))
                {
                    r.Error(s, "retryOn", $"\"{token}\" is not a valid retryOn policy");
                }
            }
        }
    }

    private static void Rewrite(ResourceReporter r, HttpRewrite? rewrite)
    {
        if (rewrite is null)
        {
            return;
        }

        var s = rewrite.Source;
        if (rewrite.Uri.Length > 0 && rewrite.UriRegexRewrite is not null)
        {
            r.Error(s, "uriRegexRewrite", "rewrite may only contain one of uri or uriRegexRewrite");
        }

        if (rewrite.Uri.Length == 0 && rewrite.UriRegexRewrite is null && rewrite.Authority.Length == 0)
        {
            r.Missing(s, "rewrite must specify at least one of uri, uriRegexRewrite or authority", "uri", "uriRegexRewrite", "authority");
        }

        if (rewrite.UriRegexRewrite is { } regex)
        {
            if (regex.Match.Length == 0 || regex.Rewrite.Length == 0)
            {
                r.Error(regex.Source, "uriRegexRewrite requires both match and rewrite");
            }

            if (regex.Match.Length > 0 && Re2Pattern.Validate(regex.Match) is { } error)
            {
                r.Error(regex.Source, "match", error + "; Istio uses RE2 syntax");
            }
        }
    }

    /// <summary>The authority may be rewritten in only one place: rewrite.authority or request set/add of :authority/host.</summary>
    private static void AuthorityRewrite(ResourceReporter r, HttpRoute route)
    {
        var request = route.Headers?.Request;
        var count = (route.Rewrite?.Authority.Length > 0 ? 1 : 0)
            + (request?.Set.Keys.Count(HeaderRules.IsAuthority) ?? 0)
            + (request?.Add.Keys.Count(HeaderRules.IsAuthority) ?? 0);
        if (count > 1)
        {
            r.Error(request!.Source, "authority header cannot be set multiple times (rewrite.authority and request :authority/host headers)");
        }
    }
}
