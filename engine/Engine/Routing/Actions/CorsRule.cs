using System.Text;
using Engine.Protocols.Http;

namespace Engine.Routing.Actions;

/// <summary>
/// A route's <c>corsPolicy</c> with Envoy's CORS filter behaviour (istio-semantics.md §3.13): a
/// preflight (OPTIONS with Origin and Access-Control-Request-Method) from an allowed origin is
/// answered here with 200; other preflights are forwarded (or, with
/// <c>unmatchedPreflights: IGNORE</c>, answered 200 without CORS headers); actual requests from
/// an allowed origin get the origin echoed (never <c>*</c>) on their response. Requests from
/// other origins get no CORS headers at all.
/// </summary>
internal sealed class CorsRule
{
    private readonly ByteMatcher[] _origins;

    public CorsRule(ByteMatcher[] origins, string? methods, string? headers, string? exposeHeaders, long? maxAgeSeconds, bool allowCredentials, bool forwardUnmatchedPreflights)
    {
        _origins = origins;
        Methods = methods is null ? null : Encoding.ASCII.GetBytes(methods);
        Headers = headers is null ? null : Encoding.ASCII.GetBytes(headers);
        ExposeHeaders = exposeHeaders is null ? null : Encoding.ASCII.GetBytes(exposeHeaders);
        MaxAge = maxAgeSeconds is { } age ? Encoding.ASCII.GetBytes(age.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
        AllowCredentials = allowCredentials;
        ForwardUnmatchedPreflights = forwardUnmatchedPreflights;
    }

    public byte[]? Methods { get; }

    public byte[]? Headers { get; }

    public byte[]? ExposeHeaders { get; }

    public byte[]? MaxAge { get; }

    public bool AllowCredentials { get; }

    public bool ForwardUnmatchedPreflights { get; }

    public string Describe() => $"cors origins [{string.Join(", ", _origins.Select(o => o.ToString()))}]";

    /// <summary>True when <paramref name="origin"/> is allowed (a matcher for the literal <c>*</c> allows all, as in Envoy).</summary>
    public bool Allows(ReadOnlySpan<byte> origin)
    {
        foreach (var matcher in _origins)
        {
            if (matcher.Kind == StringMatchKind.Exact && matcher.Text == "*")
            {
                return true;
            }

            if (matcher.Matches(origin))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsPreflight(HttpRequestHead request)
        => request.Method == HttpMethod.Options
           && request.IndexOf("origin"u8) >= 0
           && request.IndexOf("access-control-request-method"u8) is var i and >= 0
           && !request.ValueOf(i).IsEmpty;

    /// <summary>Headers of the local 200 answering an allowed preflight.</summary>
    public void AddPreflightHeaders(HttpHead response, ReadOnlySpan<byte> origin)
    {
        response.AddHeader("access-control-allow-origin"u8, origin);
        if (AllowCredentials)
        {
            response.AddHeader("access-control-allow-credentials"u8, "true"u8);
        }

        if (Methods is not null)
        {
            response.AddHeader("access-control-allow-methods"u8, Methods);
        }

        if (Headers is not null)
        {
            response.AddHeader("access-control-allow-headers"u8, Headers);
        }

        if (MaxAge is not null)
        {
            response.AddHeader("access-control-max-age"u8, MaxAge);
        }
    }

    /// <summary>Headers added to the response of an actual request from an allowed origin.</summary>
    public void AddResponseHeaders(HttpHead response, ReadOnlySpan<byte> origin)
    {
        response.AddHeader("access-control-allow-origin"u8, origin);
        if (AllowCredentials)
        {
            response.AddHeader("access-control-allow-credentials"u8, "true"u8);
        }

        if (ExposeHeaders is not null)
        {
            response.AddHeader("access-control-expose-headers"u8, ExposeHeaders);
        }
    }
}
