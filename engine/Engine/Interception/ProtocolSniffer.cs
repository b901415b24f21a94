using System.Buffers;

namespace Engine.Interception;

/// <summary>
/// Protocol detection on the first bytes of an outbound connection (Envoy's http_inspector, as
/// Istio uses it for ports without a declared protocol): an HTTP/1 request line, the HTTP/2
/// prior-knowledge preface, or something else. At most <see cref="MaxBytes"/> bytes are looked
/// at, and nothing is consumed: the session that takes the connection reads them again.
/// </summary>
internal static class ProtocolSniffer
{
    /// <summary>The longest prefix ever needed: the 24-byte HTTP/2 preface.</summary>
    public const int MaxBytes = 24;

    private static ReadOnlySpan<byte> Http2Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    // RFC 9110 methods, PATCH, and the WebDAV ones Envoy's HTTP/1 parser also accepts; each with
    // the space that ends it, so "GETX" or "GET\0" is not HTTP.
    private static readonly byte[][] Methods =
    [
        "GET "u8.ToArray(), "HEAD "u8.ToArray(), "POST "u8.ToArray(), "PUT "u8.ToArray(), "DELETE "u8.ToArray(),
        "CONNECT "u8.ToArray(), "OPTIONS "u8.ToArray(), "TRACE "u8.ToArray(), "PATCH "u8.ToArray(),
        "PROPFIND "u8.ToArray(), "PROPPATCH "u8.ToArray(), "MKCOL "u8.ToArray(), "COPY "u8.ToArray(),
        "MOVE "u8.ToArray(), "LOCK "u8.ToArray(), "UNLOCK "u8.ToArray(), "SEARCH "u8.ToArray(),
    ];

    public static SniffedProtocol Sniff(in ReadOnlySequence<byte> input)
    {
        Span<byte> head = stackalloc byte[MaxBytes];
        var length = (int)Math.Min(input.Length, MaxBytes);
        input.Slice(0, length).CopyTo(head);
        return Sniff(head[..length]);
    }

    public static SniffedProtocol Sniff(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty)
        {
            return SniffedProtocol.NeedMore;
        }

        var undecided = false;
        foreach (var method in Methods)
        {
            switch (Compare(head, method))
            {
                case Prefix.Complete:
                    return SniffedProtocol.Http1;
                case Prefix.Partial:
                    undecided = true;
                    break;
            }
        }

        switch (Compare(head, Http2Preface))
        {
            case Prefix.Complete:
                return SniffedProtocol.Http2;
            case Prefix.Partial:
                undecided = true;
                break;
        }

        return undecided ? SniffedProtocol.NeedMore : SniffedProtocol.Opaque;
    }

    private enum Prefix
    {
        Mismatch,
        Partial,
        Complete,
    }

    /// <summary>Whether <paramref name="head"/> starts with <paramref name="expected"/>, could still, or cannot.</summary>
    private static Prefix Compare(ReadOnlySpan<byte> head, ReadOnlySpan<byte> expected)
    {
        if (head.Length >= expected.Length)
        {
            return head.StartsWith(expected) ? Prefix.Complete : Prefix.Mismatch;
        }

        return expected.StartsWith(head) ? Prefix.Partial : Prefix.Mismatch;
    }
}
