namespace Engine.Protocols.Http;

/// <summary>A response head from an upstream (HTTP/1.1 parser or HPACK) or made locally.</summary>
public sealed class HttpResponseHead : HttpHead
{
    public int StatusCode { get; set; }

    public ByteRange Reason { get; set; }

    /// <summary>
    /// Whether a body follows, given the request it answers (RFC 9112 §6.3 rules 1–2: HEAD, 1xx,
    /// 204 and 304 never have one).
    /// </summary>
    public static bool CanHaveBody(HttpMethod requestMethod, int statusCode)
        => requestMethod != HttpMethod.Head && statusCode >= 200 && statusCode != 204 && statusCode != 304;

    /// <summary>Makes this head a copy of <paramref name="source"/> (a response head).</summary>
    public override void CopyFrom(HttpHead source)
    {
        base.CopyFrom(source);
        var response = (HttpResponseHead)source;
        StatusCode = response.StatusCode;
        Reason = response.Reason;
    }

    public override void Reset()
    {
        base.Reset();
        StatusCode = 0;
        Reason = default;
    }
}
