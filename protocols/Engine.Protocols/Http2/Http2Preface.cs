using System.Buffers;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Http2;

/// <summary>
/// The client connection preface (RFC 9113 §3.4) and the sniffing the listener does with it to pick
/// HTTP/2 (prior knowledge, h2c), HTTP/1.x or, on transparent listeners, raw TCP passthrough.
/// </summary>
public static class Http2Preface
{
    /// <summary>"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (24 octets); a SETTINGS frame MUST follow it.</summary>
    public static ReadOnlySpan<byte> ClientPreface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public const int Length = 24;

    /// <summary>
    /// Longest method token we wait for before deciding the bytes are not HTTP/1 (the longest
    /// registered method, UPDATEREDIRECTREF, is 17 octets).
    /// </summary>
    private const int MaxMethodLength = 32;

    /// <summary>
    /// Decides the protocol from the first bytes without consuming them. "PRI * HTTP/2.0…" is also a
    /// well-formed HTTP/1 request line, so a prefix of the preface waits for all 24 octets. Anything
    /// that starts as a method token followed by SP (after at most one CRLF, which the HTTP/1.1 parser
    /// tolerates) is HTTP/1; anything else is <see cref="ProtocolSniffResult.Unknown"/>.
    /// </summary>
    public static ProtocolSniffResult Sniff(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> start = stackalloc byte[Length + MaxMethodLength];
        var sawEnough = buffer.Length >= start.Length;
        var available = (int)Math.Min(buffer.Length, start.Length);
        start = start[..available];
        buffer.Slice(0, available).CopyTo(start);

        var preface = ClientPreface;
        var compared = Math.Min(available, Length);
        if (start[..compared].SequenceEqual(preface[..compared]))
        {
            return compared == Length ? ProtocolSniffResult.Http2 : ProtocolSniffResult.Incomplete;
        }

        return SniffHttp1(start, sawEnough);
    }

    /// <summary>
    /// Checks the 24-octet preface at the start of <paramref name="buffer"/>: Incomplete (nothing
    /// consumed), Http2 with <paramref name="consumed"/> past it, or Unknown — an invalid preface is a
    /// connection error PROTOCOL_ERROR (§3.4).
    /// </summary>
    public static ProtocolSniffResult TryReadPreface(in ReadOnlySequence<byte> buffer, out SequencePosition consumed)
    {
        consumed = buffer.Start;
        var sniff = Sniff(buffer);
        if (sniff == ProtocolSniffResult.Http2)
        {
            consumed = buffer.GetPosition(Length);
            return sniff;
        }

        return sniff == ProtocolSniffResult.Incomplete ? sniff : ProtocolSniffResult.Unknown;
    }

    /// <summary>
    /// §3.4: the first frame of each side MUST be a SETTINGS frame (not an ACK); anything else is a
    /// connection error PROTOCOL_ERROR. Check the first frame read after the preface with this.
    /// </summary>
    public static Http2Error CheckFirstFrame(in Http2Frame frame)
        => frame.Type == Http2FrameType.Settings && !frame.IsAck ? Http2Error.None : Http2Error.FirstFrameNotSettings;

    private static ProtocolSniffResult SniffHttp1(ReadOnlySpan<byte> start, bool sawEnough)
    {
        if (start.StartsWith("\r\n"u8))
        {
            start = start[2..];
        }
        else if (start.Length == 1 && start[0] == Http1Chars.CR)
        {
            return ProtocolSniffResult.Incomplete;
        }

        var end = start.IndexOfAnyExcept(Http1Chars.Token);
        if (end < 0)
        {
            return sawEnough ? ProtocolSniffResult.Unknown : ProtocolSniffResult.Incomplete;
        }

        return end > 0 && start[end] == Http1Chars.SP ? ProtocolSniffResult.Http1 : ProtocolSniffResult.Unknown;
    }
}
