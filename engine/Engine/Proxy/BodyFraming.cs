namespace Engine.Proxy;

/// <summary>How a message body is delimited on one side of the proxy (RFC 9112 §6.3).</summary>
internal enum BodyFraming
{
    None,
    ContentLength,
    Chunked,

    /// <summary>Read until the connection closes (responses without length or chunking).</summary>
    UntilClose,
}
