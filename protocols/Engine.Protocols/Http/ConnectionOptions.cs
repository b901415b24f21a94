namespace Engine.Protocols.Http;

/// <summary>Tokens of the Connection header the proxy acts on (RFC 9112 §9.3, §9.6).</summary>
[Flags]
public enum ConnectionOptions : byte
{
    None = 0,
    Close = 1,
    KeepAlive = 2,
    Upgrade = 4,

    /// <summary>Connection names other headers; those are hop-by-hop too and must not be forwarded.</summary>
    OtherTokens = 8,
}
