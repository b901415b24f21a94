using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Collects trailer fields. RFC 9110 §6.5.1: a recipient MUST NOT merge a trailer into the header
/// section unless its definition allows it, and fields that frame, route or control the connection
/// cannot be trailers; those (Content-Length, Transfer-Encoding, Host, Connection and the other
/// hop-by-hop fields) are dropped here so the engine can forward what is left as is.
/// </summary>
internal readonly struct TrailerFieldHandler(HttpTrailers trailers) : IHttp1FieldHandler
{
    public Http1Error OnField(KnownHeader known, ByteRange name, ByteRange value, ReadOnlySpan<byte> valueBytes)
    {
        switch (known)
        {
            case KnownHeader.ContentLength:
            case KnownHeader.TransferEncoding:
            case KnownHeader.Host:
            case KnownHeader.Connection:
            case KnownHeader.KeepAlive:
            case KnownHeader.ProxyConnection:
            case KnownHeader.Te:
            case KnownHeader.Trailer:
            case KnownHeader.Upgrade:
            case KnownHeader.Expect:
                break;
            default:
                trailers.AddHeader(name, value, known);
                break;
        }

        return Http1Error.None;
    }
}
