namespace Engine.Interception;

/// <summary>What the first bytes of an intercepted connection say it is.</summary>
internal enum SniffedProtocol
{
    /// <summary>Not decidable yet: the bytes so far are a prefix of an HTTP/1 method or of the HTTP/2 preface.</summary>
    NeedMore,

    /// <summary>An HTTP/1.x request line (a known method followed by a space).</summary>
    Http1,

    /// <summary>The HTTP/2 connection preface (prior knowledge, RFC 9113 §3.4).</summary>
    Http2,

    /// <summary>Anything else (TLS, databases, raw TCP): proxied at L4.</summary>
    Opaque,
}
