using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Http2;

/// <summary>
/// What changes when a head crosses between HTTP/1.1 and HTTP/2 (RFC 9113 §8.2.2, §8.2.3, §8.3.1),
/// beyond the pseudo-header fields both sides already share through the request model.
/// </summary>
public static class Http2HeaderTranslation
{
    /// <summary>
    /// HTTP/1.1 → HTTP/2: whether a field of <paramref name="head"/> is left out. Connection-specific
    /// fields MUST NOT be sent in HTTP/2 (§8.2.2): Connection, Keep-Alive, Proxy-Connection,
    /// Transfer-Encoding, Upgrade and every field the Connection header names; Host becomes
    /// :authority (§8.3.1); TE survives only as "trailers" (see <see cref="IsTeTrailers"/>).
    /// </summary>
    public static bool IsDroppedForHttp2(HttpHead head, in HeaderField field)
    {
        switch (field.Known)
        {
            case KnownHeader.Connection:
            case KnownHeader.KeepAlive:
            case KnownHeader.ProxyConnection:
            case KnownHeader.TransferEncoding:
            case KnownHeader.Upgrade:
            case KnownHeader.Host:
                return true;
            case KnownHeader.Te:
                return !IsTeTrailers(head.Span(field.Value));
        }

        return (head.Connection & ConnectionOptions.OtherTokens) != 0 && IsNominatedByConnection(head, head.Span(field.Name));
    }

    /// <summary>A TE list that asks for trailers: sent on as exactly "te: trailers" (§8.2.2).</summary>
    public static bool IsTeTrailers(ReadOnlySpan<byte> value)
    {
        foreach (var range in value.Split(Http1Chars.Comma))
        {
            var member = Http1Chars.TrimOws(value[range]);
            var parameters = member.IndexOf(Http1Chars.Semicolon);
            if (Ascii.EqualsIgnoreCase(Http1Chars.TrimOws(parameters < 0 ? member : member[..parameters]), "trailers"u8))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// HTTP/2 → HTTP/1.1: joins cookie crumbs into one field with "; " (§8.2.3: a MUST before passing
    /// them to a non-HTTP/2 context), in place: the first cookie field gets the joined value, the
    /// others are removed. Nothing happens with fewer than two crumbs.
    /// </summary>
    public static void JoinCookies(HttpHead head)
    {
        var first = head.IndexOf("cookie"u8);
        if (first < 0 || head.IndexOf("cookie"u8, first + 1) < 0)
        {
            return;
        }

        var length = 0;
        var crumbs = 0;
        for (var i = head.IndexOf("cookie"u8); i >= 0; i = head.IndexOf("cookie"u8, i + 1))
        {
            length += head.HeaderAt(i).Value.Length;
            crumbs++;
        }

        var joined = head.Reserve(length + ((crumbs - 1) * 2), out var range);
        var position = 0;
        for (var i = first; i >= 0; i = head.IndexOf("cookie"u8, i + 1))
        {
            if (position > 0)
            {
                "; "u8.CopyTo(joined[position..]);
                position += 2;
            }

            head.ValueOf(i).CopyTo(joined[position..]);
            position += head.HeaderAt(i).Value.Length;
        }

        head.HeaderAt(first).Value = range;
        for (var i = head.IndexOf("cookie"u8, first + 1); i >= 0; i = head.IndexOf("cookie"u8, i))
        {
            head.RemoveHeaderAt(i);
        }
    }

    private static bool IsNominatedByConnection(HttpHead head, ReadOnlySpan<byte> name)
    {
        for (var i = head.IndexOf(KnownHeader.Connection); i >= 0; i = NextConnection(head, i))
        {
            var value = head.ValueOf(i);
            foreach (var range in value.Split(Http1Chars.Comma))
            {
                if (Ascii.EqualsIgnoreCase(Http1Chars.TrimOws(value[range]), name))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int NextConnection(HttpHead head, int after)
    {
        var headers = head.Headers;
        for (var i = after + 1; i < headers.Length; i++)
        {
            if (headers[i].Known == KnownHeader.Connection)
            {
                return i;
            }
        }

        return -1;
    }
}
