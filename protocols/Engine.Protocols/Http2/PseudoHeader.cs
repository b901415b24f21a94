namespace Engine.Protocols.Http2;

/// <summary>The pseudo-header fields of RFC 9113 §8.3, as flags so a message can record which it has seen.</summary>
[Flags]
internal enum PseudoHeader : byte
{
    None = 0,
    Method = 1,
    Scheme = 2,
    Authority = 4,
    Path = 8,
    Status = 16,

    /// <summary>A name starting with ':' that RFC 9113 does not define (":protocol" included: extended CONNECT is not enabled).</summary>
    Unknown = 32,
}

internal static class PseudoHeaders
{
    public static PseudoHeader Identify(ReadOnlySpan<byte> name) => name.Length switch
    {
        5 when name.SequenceEqual(":path"u8) => PseudoHeader.Path,
        7 when name.SequenceEqual(":method"u8) => PseudoHeader.Method,
        7 when name.SequenceEqual(":scheme"u8) => PseudoHeader.Scheme,
        7 when name.SequenceEqual(":status"u8) => PseudoHeader.Status,
        10 when name.SequenceEqual(":authority"u8) => PseudoHeader.Authority,
        _ => PseudoHeader.Unknown,
    };

    public static bool IsPseudo(ReadOnlySpan<byte> name) => !name.IsEmpty && name[0] == (byte)':';
}
