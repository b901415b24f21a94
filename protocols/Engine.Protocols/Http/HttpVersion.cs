namespace Engine.Protocols.Http;

public enum HttpVersion : byte
{
    Unknown = 0,
    Http10,
    Http11,
    Http2,
}
