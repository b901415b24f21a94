using System.Text;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Istio's default <c>pathNormalization: BASE</c> (Envoy <c>normalize_path: true</c>): RFC 3986
/// §5.2.4 remove_dot_segments on the path, before routing, in place in the head's arena; the query
/// is kept byte for byte. What BASE does and does not do, as Envoy's canonicaliser does it:
/// - "." and ".." segments are removed, also when written "%2e" (any case): "/a/%2E%2e/b" → "/b".
/// - A backslash in the path is a slash: "/a\..\b" → "/b" (the HTTP/1 parser already rejects "\",
///   so this matters for HTTP/2 :path).
/// - "//" is kept (merging slashes is MERGE_SLASHES, not BASE); "%2F" and every other escape are
///   kept as sent (decoding them is DECODE_AND_MERGE_SLASHES); case is kept.
/// - An escaped NUL ("%00") makes the path invalid → 400 (Envoy rejects it too).
/// Targets that are not a path ("*", CONNECT authority) are left alone.
/// </summary>
public static class PathNormalizer
{
    /// <summary>Normalises <see cref="HttpRequestHead.Path"/> in place; false means answer 400 (<see cref="Http1Error.InvalidPath"/>).</summary>
    public static bool TryNormalize(HttpRequestHead head)
    {
        var queryOffset = head.QueryOffset;
        var length = Normalize(head.WritableSpan(head.Path), ref queryOffset);
        if (length < 0)
        {
            return false;
        }

        head.Path = new ByteRange(head.Path.Start, length);
        head.QueryOffset = queryOffset;
        return true;
    }

    /// <summary>
    /// Normalises a path-and-query in place. Returns its new length (the query moved to follow the
    /// shorter path, <paramref name="queryOffset"/> updated; -1 stays -1), or -1 if the path is invalid.
    /// </summary>
    public static int Normalize(Span<byte> pathAndQuery, ref int queryOffset)
    {
        var pathLength = queryOffset < 0 ? pathAndQuery.Length : queryOffset;
        var path = pathAndQuery[..pathLength];
        if (path.IsEmpty || (path[0] != Http1Chars.Slash && path[0] != Http1Chars.Backslash))
        {
            return pathAndQuery.Length;
        }

        if (path.IndexOfAny((byte)'.', (byte)'%', Http1Chars.Backslash) < 0)
        {
            // No dot, escape or backslash: nothing BASE normalisation could change (most paths).
            return pathAndQuery.Length;
        }

        if (path.IndexOf("%00"u8) >= 0)
        {
            return -1;
        }

        path.Replace(Http1Chars.Backslash, Http1Chars.Slash);
        var written = RemoveDotSegments(path);
        if (written == pathLength)
        {
            return pathAndQuery.Length;
        }

        var query = pathAndQuery[pathLength..];
        query.CopyTo(pathAndQuery[written..]);
        if (queryOffset >= 0)
        {
            queryOffset = written;
        }

        return written + query.Length;
    }

    /// <summary>
    /// RFC 3986 §5.2.4 for an absolute path, one segment at a time: the output never outgrows the
    /// input, so it is written over the input from the left.
    /// </summary>
    private static int RemoveDotSegments(Span<byte> path)
    {
        var written = 0;
        var read = 0;
        while (read < path.Length)
        {
            var segmentStart = read + 1;
            var segmentLength = path[segmentStart..].IndexOf(Http1Chars.Slash);
            if (segmentLength < 0)
            {
                segmentLength = path.Length - segmentStart;
            }

            var segment = path.Slice(segmentStart, segmentLength);
            var last = segmentStart + segmentLength == path.Length;
            var dots = DotCount(segment);
            if (dots == 0)
            {
                path[written++] = Http1Chars.Slash;
                segment.CopyTo(path[written..]);
                written += segmentLength;
            }
            else
            {
                if (dots == 2)
                {
                    // "..": drop the last output segment (rule 2C); above the root there is nothing to drop.
                    written = Math.Max(0, path[..written].LastIndexOf(Http1Chars.Slash));
                }

                // A dot segment at the end leaves the directory it names: "/a/." → "/a/", "/a/.." → "/".
                if (last)
                {
                    path[written++] = Http1Chars.Slash;
                }
            }

            read = segmentStart + segmentLength;
        }

        return written;
    }

    /// <summary>1 for ".", 2 for "..", counting "%2e" as a dot; 0 for any other segment.</summary>
    private static int DotCount(ReadOnlySpan<byte> segment)
    {
        var dots = 0;
        while (!segment.IsEmpty && dots < 2)
        {
            if (segment[0] == (byte)'.')
            {
                segment = segment[1..];
            }
            else if (segment.Length >= 3 && Ascii.EqualsIgnoreCase(segment[..3], "%2e"u8))
            {
                segment = segment[3..];
            }
            else
            {
                return 0;
            }

            dots++;
        }

        return segment.IsEmpty ? dots : 0;
    }
}
