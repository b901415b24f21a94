using System.Buffers;
using System.Buffers.Text;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Serialises HTTP/1.1 heads into a pipe without allocating. Always writes HTTP/1.1 and CRLF line
/// ends, whatever was received (RFC 9110 §6.2: a proxy sends its own version), and writes the
/// fields of a head as they are in its arena (already validated by the parsers or the HPACK decoder).
/// </summary>
public static class Http1HeadWriter
{
    /// <summary>"-9223372036854775808".Length</summary>
    private const int MaxDecimalLength = 20;

    /// <summary>"HTTP/1.1 " + 3 digits + " "</summary>
    private const int StatusLinePrefixLength = 13;

    /// <summary>Writes "HTTP/1.1 code reason CRLF" with the RFC reason phrase; common codes are one cached copy.</summary>
    public static void WriteStatusLine(IBufferWriter<byte> writer, int statusCode)
    {
        var cached = CachedStatusLine(statusCode);
        if (!cached.IsEmpty)
        {
            writer.Write(cached);
            return;
        }

        WriteStatusLine(writer, statusCode, ReasonPhrases.For(statusCode));
    }

    /// <summary>Writes "HTTP/1.1 code reason CRLF" with a given reason (e.g. the upstream's).</summary>
    public static void WriteStatusLine(IBufferWriter<byte> writer, int statusCode, ReadOnlySpan<byte> reason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 100);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 999);
        var span = writer.GetSpan(StatusLinePrefixLength + reason.Length + 2);
        "HTTP/1.1 "u8.CopyTo(span);
        span[9] = (byte)('0' + (statusCode / 100));
        span[10] = (byte)('0' + (statusCode / 10 % 10));
        span[11] = (byte)('0' + (statusCode % 10));
        span[12] = Http1Chars.SP;
        reason.CopyTo(span[StatusLinePrefixLength..]);
        var length = StatusLinePrefixLength + reason.Length;
        span[length++] = Http1Chars.CR;
        span[length++] = Http1Chars.LF;
        writer.Advance(length);
    }

    /// <summary>Writes "method SP target SP HTTP/1.1 CRLF".</summary>
    public static void WriteRequestLine(IBufferWriter<byte> writer, ReadOnlySpan<byte> method, ReadOnlySpan<byte> target)
    {
        writer.Write(method);
        writer.Write(" "u8);
        writer.Write(target);
        writer.Write(" HTTP/1.1\r\n"u8);
    }

    /// <summary>Writes the request line of <paramref name="head"/>: its method (as sent, or by name) and its path.</summary>
    public static void WriteRequestLine(IBufferWriter<byte> writer, HttpRequestHead head)
    {
        var method = head.MethodBytes.IsEmpty ? Http1Methods.NameOf(head.Method) : head.Span(head.MethodBytes);
        WriteRequestLine(writer, method, head.Span(head.Path));
    }

    /// <summary>Writes "name: value CRLF".</summary>
    public static void WriteHeader(IBufferWriter<byte> writer, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var length = name.Length + value.Length + 4;
        var span = writer.GetSpan(length);
        name.CopyTo(span);
        span[name.Length] = Http1Chars.Colon;
        span[name.Length + 1] = Http1Chars.SP;
        value.CopyTo(span[(name.Length + 2)..]);
        span[length - 2] = Http1Chars.CR;
        span[length - 1] = Http1Chars.LF;
        writer.Advance(length);
    }

    /// <summary>Writes every field of <paramref name="head"/> in order.</summary>
    public static void WriteHeaders(IBufferWriter<byte> writer, HttpHead head)
    {
        foreach (var field in head.Headers)
        {
            WriteHeader(writer, head.Span(field.Name), head.Span(field.Value));
        }
    }

    public static void WriteContentLength(IBufferWriter<byte> writer, long length)
    {
        writer.Write("Content-Length: "u8);
        WriteDecimal(writer, length);
        writer.Write("\r\n"u8);
    }

    /// <summary>The empty line that ends a head.</summary>
    public static void WriteEndOfHead(IBufferWriter<byte> writer) => writer.Write("\r\n"u8);

    public static void WriteDecimal(IBufferWriter<byte> writer, long value)
    {
        Utf8Formatter.TryFormat(value, writer.GetSpan(MaxDecimalLength), out var written);
        writer.Advance(written);
    }

    private static ReadOnlySpan<byte> CachedStatusLine(int statusCode) => statusCode switch
    {
        100 => "HTTP/1.1 100 Continue\r\n"u8,
        200 => "HTTP/1.1 200 OK\r\n"u8,
        204 => "HTTP/1.1 204 No Content\r\n"u8,
        400 => "HTTP/1.1 400 Bad Request\r\n"u8,
        404 => "HTTP/1.1 404 Not Found\r\n"u8,
        408 => "HTTP/1.1 408 Request Timeout\r\n"u8,
        413 => "HTTP/1.1 413 Content Too Large\r\n"u8,
        414 => "HTTP/1.1 414 URI Too Long\r\n"u8,
        431 => "HTTP/1.1 431 Request Header Fields Too Large\r\n"u8,
        500 => "HTTP/1.1 500 Internal Server Error\r\n"u8,
        501 => "HTTP/1.1 501 Not Implemented\r\n"u8,
        502 => "HTTP/1.1 502 Bad Gateway\r\n"u8,
        503 => "HTTP/1.1 503 Service Unavailable\r\n"u8,
        504 => "HTTP/1.1 504 Gateway Timeout\r\n"u8,
        505 => "HTTP/1.1 505 HTTP Version Not Supported\r\n"u8,
        _ => ReadOnlySpan<byte>.Empty,
    };
}
