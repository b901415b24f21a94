using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>Whether a connection may carry another message after this one (RFC 9112 §9.3).</summary>
public static class Http1Persistence
{
    /// <summary>
    /// HTTP/1.1 persists unless "close" was sent; HTTP/1.0 only with "keep-alive" (and no "close").
    /// Framing errors, CL+TE and read-until-close bodies end the connection regardless; that is the
    /// caller's part.
    /// </summary>
    public static bool IsPersistent(HttpHead head)
    {
        if ((head.Connection & ConnectionOptions.Close) != 0)
        {
            return false;
        }

        return head.Version == HttpVersion.Http11
            || (head.Version == HttpVersion.Http10 && (head.Connection & ConnectionOptions.KeepAlive) != 0);
    }
}
