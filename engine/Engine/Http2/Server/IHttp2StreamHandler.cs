namespace Engine.Http2.Server;

/// <summary>
/// What the owner of a downstream HTTP/2 connection does with each new stream (a request): read
/// <see cref="Http2ServerStream.Request"/> and its body, answer through the stream. The stream
/// belongs to the handler until the returned task completes; after that the connection recycles
/// it, so nothing may keep using it. A handler that returns without completing the response gets
/// the stream reset (INTERNAL_ERROR): an unfinished answer is never presented as a whole one.
/// </summary>
internal interface IHttp2StreamHandler
{
    ValueTask HandleAsync(Http2ServerStream stream);
}
