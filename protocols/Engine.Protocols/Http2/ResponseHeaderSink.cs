using Engine.Protocols.Hpack;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http2;

/// <summary>Fills an <see cref="HttpResponseHead"/>: :status, then regular fields (RFC 9113 §8.3.2).</summary>
internal struct ResponseHeaderSink(HttpResponseHead head) : IHpackSink
{
    private bool _hasStatus;
    private bool _regularSeen;
    private ContentLengthField _contentLength;

    public Http2Error OnField(ReadOnlySpan<byte> nameBytes, ByteRange nameInArena, ByteRange value, bool neverIndexed)
    {
        var valueBytes = head.Span(value);
        if (PseudoHeaders.IsPseudo(nameBytes))
        {
            return OnPseudoHeader(PseudoHeaders.Identify(nameBytes), valueBytes);
        }

        _regularSeen = true;
        var error = Http2FieldRules.CheckRegularField(nameBytes, valueBytes, out var known);
        if (error != Http2Error.None)
        {
            return error;
        }

        if (known == KnownHeader.ContentLength && (error = _contentLength.Take(valueBytes)) != Http2Error.None)
        {
            return error;
        }

        head.AddHeader(HpackSinks.NameRange(head, nameBytes, nameInArena), value, known, neverIndexed);
        return Http2Error.None;
    }

    private Http2Error OnPseudoHeader(PseudoHeader pseudo, ReadOnlySpan<byte> value)
    {
        if (_regularSeen)
        {
            return Http2Error.PseudoHeaderAfterRegular;
        }

        if (pseudo != PseudoHeader.Status)
        {
            return pseudo == PseudoHeader.Unknown ? Http2Error.UnknownPseudoHeader : Http2Error.RequestPseudoHeaderInResponse;
        }

        if (_hasStatus)
        {
            return Http2Error.DuplicatePseudoHeader;
        }

        _hasStatus = true;

        // Three digits, as the HTTP/1.1 parser accepts (100–999); 101 has no meaning in HTTP/2 (§8.6).
        if (value.Length != 3 || value[0] is < (byte)'1' or > (byte)'9' || !char.IsAsciiDigit((char)value[1]) || !char.IsAsciiDigit((char)value[2]))
        {
            return Http2Error.InvalidStatus;
        }

        head.StatusCode = ((value[0] - '0') * 100) + ((value[1] - '0') * 10) + (value[2] - '0');
        return head.StatusCode == 101 ? Http2Error.InvalidStatus : Http2Error.None;
    }

    public readonly Http2Error Finish()
    {
        head.Version = HttpVersion.Http2;
        head.ContentLength = _contentLength.Value;
        return _hasStatus ? Http2Error.None : Http2Error.MissingPseudoHeader;
    }
}
