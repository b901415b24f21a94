using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Parses field lines (RFC 9112 §5) from a head already copied into an arena and checked by
/// <see cref="Http1HeadScanner"/> (so every line ends in CRLF and holds no other CR or LF). Shared by
/// request heads, response heads and chunked trailer sections.
/// </summary>
internal static class Http1FieldParser
{
    /// <param name="fields">The field lines, each with its CRLF, without the final empty line.</param>
    /// <param name="arenaOffset">Where <paramref name="fields"/> starts in the arena, to report ranges.</param>
    public static Http1Error Parse<THandler>(ReadOnlySpan<byte> fields, int arenaOffset, ref THandler handler)
        where THandler : struct, IHttp1FieldHandler
    {
        while (!fields.IsEmpty)
        {
            // RFC 9112 §5.2: obs-fold is deprecated; a server MUST reject it (or replace it with SP),
            // a proxy MUST reject it in a response (502) or replace it. We reject both ways.
            if (Http1Chars.IsOws(fields[0]))
            {
                return Http1Error.ObsFold;
            }

            // RFC 9110 §5.1: the name is a token. RFC 9112 §5.1: no whitespace between the name and the
            // colon (a server MUST reject it with 400). A line with no colon, an empty name or any
            // non-token byte before the colon is invalid. The search needs no line bound: CR is not a
            // token byte, so it stops at the end of the line at the latest.
            var colon = fields.IndexOfAnyExcept(Http1Chars.Token);
            if (colon <= 0 || fields[colon] != Http1Chars.Colon)
            {
                return Http1Error.InvalidHeaderName;
            }

            // RFC 9110 §5.5: CR, LF and NUL MUST be rejected (or replaced); other CTLs are not
            // field-vchar. CR is one of them, so the one search finds the end of the line too: the
            // first such byte must be the line's CR (the scanner saw every line end in CRLF).
            var afterColon = fields[(colon + 1)..];
            var valueLength = afterColon.IndexOfAny(Http1Chars.InvalidFieldValue);
            if (valueLength < 0 || afterColon[valueLength] != Http1Chars.CR)
            {
                return Http1Error.InvalidHeaderValue;
            }

            var rawValue = afterColon[..valueLength];
            var lineLength = colon + 1 + valueLength;

            // OWS around the value: a byte loop, not a vector search — there is one space before
            // nearly every value and none after, and the searches' set-up cost more than that.
            var valueStart = 0;
            while (valueStart < rawValue.Length && Http1Chars.IsOws(rawValue[valueStart]))
            {
                valueStart++;
            }

            var valueEnd = rawValue.Length;
            while (valueEnd > valueStart && Http1Chars.IsOws(rawValue[valueEnd - 1]))
            {
                valueEnd--;
            }

            var value = rawValue[valueStart..valueEnd];
            var valueOffset = value.IsEmpty ? colon + 1 : colon + 1 + valueStart;

            var error = handler.OnField(
                KnownHeaders.Identify(fields[..colon]),
                new ByteRange(arenaOffset, colon),
                new ByteRange(arenaOffset + valueOffset, value.Length),
                value);
            if (error != Http1Error.None)
            {
                return error;
            }

            var next = lineLength + 2;
            fields = fields[next..];
            arenaOffset += next;
        }

        return Http1Error.None;
    }
}
