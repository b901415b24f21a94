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
            var lineLength = fields.IndexOf(Http1Chars.CR);
            var line = fields[..lineLength];

            // RFC 9112 §5.2: obs-fold is deprecated; a server MUST reject it (or replace it with SP),
            // a proxy MUST reject it in a response (502) or replace it. We reject both ways.
            if (Http1Chars.IsOws(line[0]))
            {
                return Http1Error.ObsFold;
            }

            // RFC 9110 §5.1: the name is a token. RFC 9112 §5.1: no whitespace between the name and the
            // colon (a server MUST reject it with 400). A line with no colon, an empty name or any
            // non-token byte before the colon is invalid.
            var colon = line.IndexOfAnyExcept(Http1Chars.Token);
            if (colon <= 0 || line[colon] != Http1Chars.Colon)
            {
                return Http1Error.InvalidHeaderName;
            }

            // RFC 9110 §5.5: CR, LF and NUL MUST be rejected (or replaced); other CTLs are not field-vchar.
            var rawValue = line[(colon + 1)..];
            if (rawValue.ContainsAny(Http1Chars.InvalidFieldValue))
            {
                return Http1Error.InvalidHeaderValue;
            }

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

            var name = line[..colon];
            var error = handler.OnField(
                KnownHeaders.Identify(name),
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
