namespace Engine.Protocols.Http;

/// <summary>
/// The request model every protocol meets in (DESIGN.md "One request model for both
/// protocols"): HTTP/1.1 parsing and HTTP/2 HPACK decoding both fill it; routing, header edits,
/// retries and mirrors read and change it; upstream codecs serialise it.
/// </summary>
public sealed class HttpRequestHead : HttpHead
{
    public HttpMethod Method { get; set; }

    /// <summary>The method token as sent (meaningful for <see cref="HttpMethod.Custom"/>).</summary>
    public ByteRange MethodBytes { get; set; }

    /// <summary>Scheme from an absolute-form target or HTTP/2 :scheme; empty means the connection's (http).</summary>
    public ByteRange Scheme { get; set; }

    /// <summary>
    /// Authority the request is for: the absolute-form target's authority when given (it
    /// overrides Host, RFC 9112 §3.2.2), else the Host header, else HTTP/2 :authority.
    /// </summary>
    public ByteRange Authority { get; set; }

    /// <summary>Path and query as forwarded ("/a/b?x=1"); "*" for asterisk-form; the authority for CONNECT.</summary>
    public ByteRange Path { get; set; }

    /// <summary>
    /// The :protocol of an extended CONNECT (RFC 8441 §4): what the stream carries once the server
    /// accepts it ("websocket"); empty for every other request, a plain CONNECT included.
    /// </summary>
    public ByteRange Protocol { get; set; }

    /// <summary>Offset of '?' within <see cref="Path"/>, or -1 when there is no query.</summary>
    public int QueryOffset { get; set; } = -1;

    /// <summary>The request-target was in absolute-form ("GET http://host/p HTTP/1.1", as curl -x sends).</summary>
    public bool AbsoluteForm { get; set; }

    /// <summary>Expect: 100-continue was sent.</summary>
    public bool ExpectContinue { get; set; }

    /// <summary>Number of Host header lines seen (RFC 9112 §3.2: exactly one in HTTP/1.1).</summary>
    public int HostCount { get; set; }

    /// <summary>The path without its query.</summary>
    public ReadOnlySpan<byte> PathOnly => QueryOffset < 0 ? Span(Path) : Span(new ByteRange(Path.Start, QueryOffset));

    /// <summary>The query without its '?', empty when none.</summary>
    public ReadOnlySpan<byte> Query => QueryOffset < 0
        ? ReadOnlySpan<byte>.Empty
        : Span(new ByteRange(Path.Start + QueryOffset + 1, Path.Length - QueryOffset - 1));

    /// <summary>The request has a body to forward.</summary>
    public bool HasBody => Chunked || ContentLength > 0;

    /// <summary>Makes this head a copy of <paramref name="source"/> (a request head): arena, fields and request line alike.</summary>
    public override void CopyFrom(HttpHead source)
    {
        base.CopyFrom(source);
        var request = (HttpRequestHead)source;
        Method = request.Method;
        MethodBytes = request.MethodBytes;
        Scheme = request.Scheme;
        Authority = request.Authority;
        Path = request.Path;
        Protocol = request.Protocol;
        QueryOffset = request.QueryOffset;
        AbsoluteForm = request.AbsoluteForm;
        ExpectContinue = request.ExpectContinue;
        HostCount = request.HostCount;
    }

    public override void Reset()
    {
        base.Reset();
        Method = HttpMethod.Custom;
        MethodBytes = default;
        Scheme = default;
        Authority = default;
        Path = default;
        Protocol = default;
        QueryOffset = -1;
        AbsoluteForm = false;
        ExpectContinue = false;
        HostCount = 0;
    }
}
