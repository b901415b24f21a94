using Engine.Protocols.Hpack;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http2;

/// <summary>
/// Fills an <see cref="HttpTrailers"/>: regular fields only (RFC 9113 §8.1: trailers MUST NOT
/// include pseudo-header fields). Framing and routing fields (content-length, host) are dropped, as
/// the HTTP/1.1 trailer handler does (RFC 9110 §6.5.1).
/// </summary>
internal struct TrailerSink(HttpTrailers trailers) : IHpackSink
{
    public readonly Http2Error OnField(ReadOnlySpan<byte> nameBytes, ByteRange nameInArena, ByteRange value, bool neverIndexed)
    {
        if (PseudoHeaders.IsPseudo(nameBytes))
        {
            return Http2Error.PseudoHeaderInTrailers;
        }

        var error = Http2FieldRules.CheckRegularField(nameBytes, trailers.Span(value), out var known);
        if (error == Http2Error.None && known is not (KnownHeader.ContentLength or KnownHeader.Host))
        {
            trailers.AddHeader(HpackSinks.NameRange(trailers, nameBytes, nameInArena), value, known, neverIndexed);
        }

        return error;
    }
}
