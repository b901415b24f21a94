using System.Text;
using Engine.Config;
using Engine.Config.Model;
using Engine.Routing.Actions;
using Engine.Routing.Policies;

namespace Engine.Routing.Compile;

/// <summary>Compiles an HTTPRoute's action and policies (everything but its matches and destinations).</summary>
internal static class ActionCompiler
{
    public static RouteAction Compile(HttpRoute route, RouteDestination[] destinations, MirrorPolicy[] mirrors)
    {
        var routeHeaders = route.Headers;
        var authority = Authority(route.Rewrite?.Authority, routeHeaders?.Request);
        return new RouteAction(destinations)
        {
            Redirect = route.Redirect is { } redirect ? Redirect(redirect) : null,
            DirectResponse = route.DirectResponse is { } direct ? new DirectResponseAction((int)direct.Status, Body(direct.Body)) : null,
            PathRewrite = route.Rewrite switch
            {
                { UriRegexRewrite: { } regex } => PathRewrite.Regex(regex.Match, regex.Rewrite),
                { Uri.Length: > 0 } rewrite => PathRewrite.Prefix(rewrite.Uri),
                _ => null,
            },
            AuthorityRewrite = authority,
            RequestEdits = Edits(routeHeaders?.Request),
            ResponseEdits = Edits(routeHeaders?.Response),
            Cors = route.CorsPolicy is { } cors ? Cors(cors) : null,
            Timeout = route.Timeout,
            Retry = Retry(route.Retries),
            Fault = route.Fault is { } fault ? Fault(fault) : null,
            Mirrors = mirrors,
        };
    }

    /// <summary>
    /// Header edits without the authority: <c>:authority</c>/<c>host</c> in request set/add is a
    /// host rewrite in Istio, not a header edit (set wins over add).
    /// </summary>
    public static HeaderEdits Edits(HeaderOperations? operations)
    {
        if (operations is null)
        {
            return HeaderEdits.None;
        }

        return new HeaderEdits(
            operations.Remove,
            operations.Set.Where(p => !IsAuthority(p.Key)),
            operations.Add.Where(p => !IsAuthority(p.Key)));
    }

    public static byte[]? Authority(string? rewrite, HeaderOperations? request)
    {
        if (!string.IsNullOrEmpty(rewrite))
        {
            return Encoding.UTF8.GetBytes(rewrite);
        }

        var set = request?.Set.FirstOrDefault(p => IsAuthority(p.Key));
        if (set is { Key: not null } s)
        {
            return Encoding.UTF8.GetBytes(s.Value);
        }

        var add = request?.Add.FirstOrDefault(p => IsAuthority(p.Key));
        return add is { Key: not null } a ? Encoding.UTF8.GetBytes(a.Value) : null;
    }

    private static bool IsAuthority(string name) => name.Equals(":authority", StringComparison.OrdinalIgnoreCase) || name.Equals("host", StringComparison.OrdinalIgnoreCase);

    private static RedirectAction Redirect(HttpRedirect redirect) => new(
        status: redirect.RedirectCode == 0 ? 301 : (int)redirect.RedirectCode,
        scheme: redirect.Scheme.Length > 0 ? redirect.Scheme : null,
        authority: redirect.Authority.Length > 0 ? redirect.Authority : null,
        path: redirect.Uri.Length > 0 ? redirect.Uri : null,
        prefixRewrite: redirect.PrefixRewrite.Length > 0 ? redirect.PrefixRewrite : null,
        port: redirect.Port is { } p && p > 0 ? (int)p : null,
        portFromRequest: redirect.DerivePort == RedirectPortSelection.FromRequestPort);

    private static byte[] Body(HttpBody? body)
        => body?.String is { } text ? Encoding.UTF8.GetBytes(text)
            : body?.Bytes is { } bytes ? bytes.ToArray()
            : [];

    private static CorsRule Cors(CorsPolicy cors)
    {
        var origins = cors.AllowOrigins
            .Select(o => MatcherCompiler.Matcher(o, ignoreCase: false, presenceAllowed: false))
            .Concat(cors.AllowOrigin.Select(o => ByteMatcher.Exact(o)))
            .ToArray();
        return new CorsRule(
            origins,
            cors.AllowMethods.IsEmpty ? null : string.Join(',', cors.AllowMethods),
            cors.AllowHeaders.IsEmpty ? null : string.Join(',', cors.AllowHeaders),
            cors.ExposeHeaders.IsEmpty ? null : string.Join(',', cors.ExposeHeaders),
            cors.MaxAge is { } age ? (long)age.TotalSeconds : null,
            cors.AllowCredentials == true,
            forwardUnmatchedPreflights: cors.UnmatchedPreflights != UnmatchedPreflights.Ignore);
    }

    /// <summary>
    /// Istio's retry translation (istio-semantics.md §3.10): no <c>retries</c> → the default
    /// policy; <c>attempts ≤ 0</c> → none; an empty <c>retryOn</c> → the default conditions;
    /// numeric tokens become retriable status codes (and turn on retriable-status-codes).
    /// </summary>
    public static RetryPolicy Retry(HttpRetry? retries)
    {
        if (retries is null)
        {
            return RetryPolicy.IstioDefault;
        }

        if (retries.Attempts <= 0)
        {
            return RetryPolicy.Disabled;
        }

        var on = RetryOn.None;
        var codes = new List<int>();
        var tokens = retries.RetryOn.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var token in tokens)
        {
            if (int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
            {
                codes.Add(code);
                on |= RetryOn.RetriableStatusCodes;
                continue;
            }

            on |= token switch
            {
                "5xx" => RetryOn.FiveXx,
                "gateway-error" => RetryOn.GatewayError,
                "reset" => RetryOn.Reset,
                "reset-before-request" => RetryOn.ResetBeforeRequest,
                "connect-failure" => RetryOn.ConnectFailure,
                "retriable-4xx" => RetryOn.Retriable4xx,
                "refused-stream" => RetryOn.RefusedStream,
                "retriable-status-codes" => RetryOn.RetriableStatusCodes,
                "retriable-headers" => RetryOn.RetriableHeaders,
                "envoy-ratelimited" => RetryOn.EnvoyRateLimited,
                "http3-post-connect-failure" => RetryOn.Http3PostConnectFailure,
                "cancelled" => RetryOn.Cancelled,
                "deadline-exceeded" => RetryOn.DeadlineExceeded,
                "internal" => RetryOn.Internal,
                "resource-exhausted" => RetryOn.ResourceExhausted,
                "unavailable" => RetryOn.Unavailable,
                _ => RetryOn.None, // validation rejected unknown tokens already
            };
        }

        if (tokens.Length == 0)
        {
            on = RetryPolicy.IstioDefault.On;
        }

        return new RetryPolicy(
            retries.Attempts,
            on,
            codes,
            retries.PerTryTimeout,
            retries.RetryIgnorePreviousHosts ?? true,
            retries.Backoff ?? TimeSpan.FromMilliseconds(25))
        {
            ExplicitAvoidPreviousHosts = retries.RetryIgnorePreviousHosts,
            RetryRemoteLocalities = retries.RetryRemoteLocalities ?? false,
        };
    }

    /// <summary>Percentages: absent means the fault never fires; the deprecated integer <c>percent</c> is honoured.</summary>
    public static FaultPolicy Fault(HttpFaultInjection fault)
    {
        var delay = fault.Delay;
        var abort = fault.Abort;
        return new FaultPolicy(
            delay?.FixedDelay,
            delay?.Percentage ?? delay?.Percent ?? 0,
            abort?.HttpStatus,
            abort?.GrpcStatus is { } name ? GrpcStatusCodes.FromName(name) : null,
            abort?.Percentage ?? 0);
    }
}
