using Engine.Protocols.Http;
using HttpMethod = Engine.Protocols.Http.HttpMethod;

namespace Engine.Protocols.Http1;

/// <summary>Method tokens by name (RFC 9110 §9.1: methods are case-sensitive, so "get" is a custom method).</summary>
internal static class Http1Methods
{
    public static HttpMethod Identify(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => HttpMethod.Get,
        3 when method.SequenceEqual("PUT"u8) => HttpMethod.Put,
        4 when method.SequenceEqual("POST"u8) => HttpMethod.Post,
        4 when method.SequenceEqual("HEAD"u8) => HttpMethod.Head,
        5 when method.SequenceEqual("PATCH"u8) => HttpMethod.Patch,
        5 when method.SequenceEqual("TRACE"u8) => HttpMethod.Trace,
        6 when method.SequenceEqual("DELETE"u8) => HttpMethod.Delete,
        7 when method.SequenceEqual("CONNECT"u8) => HttpMethod.Connect,
        7 when method.SequenceEqual("OPTIONS"u8) => HttpMethod.Options,
        _ => HttpMethod.Custom,
    };

    /// <summary>The token of a known method; empty for <see cref="HttpMethod.Custom"/>.</summary>
    public static ReadOnlySpan<byte> NameOf(HttpMethod method) => method switch
    {
        HttpMethod.Get => "GET"u8,
        HttpMethod.Head => "HEAD"u8,
        HttpMethod.Post => "POST"u8,
        HttpMethod.Put => "PUT"u8,
        HttpMethod.Delete => "DELETE"u8,
        HttpMethod.Connect => "CONNECT"u8,
        HttpMethod.Options => "OPTIONS"u8,
        HttpMethod.Trace => "TRACE"u8,
        HttpMethod.Patch => "PATCH"u8,
        _ => ReadOnlySpan<byte>.Empty,
    };
}
