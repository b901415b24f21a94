using System.Buffers;

namespace Engine.Protocols.Http1;

/// <summary>Byte classes of the HTTP/1.1 grammar, built once as vectorised <see cref="SearchValues{T}"/>.</summary>
internal static class Http1Chars
{
    public const byte CR = (byte)'\r';
    public const byte LF = (byte)'\n';
    public const byte SP = (byte)' ';
    public const byte HTAB = (byte)'\t';
    public const byte Colon = (byte)':';
    public const byte Comma = (byte)',';
    public const byte Semicolon = (byte)';';
    public const byte Question = (byte)'?';
    public const byte Slash = (byte)'/';
    public const byte DQuote = (byte)'"';
    public const byte Backslash = (byte)'\\';

    private const string Alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const string Digit = "0123456789";

    /// <summary>RFC 9110 §5.6.2 tchar: what field names, methods and codings are made of.</summary>
    public static readonly SearchValues<byte> Token = SearchValues.Create(Ascii("!#$%&'*+-.^_`|~" + Digit + Alpha));

    /// <summary>
    /// Bytes a field value must not contain: RFC 9110 §5.5 (CR, LF, NUL MUST be rejected; other CTLs
    /// and DEL are outside field-vchar). HTAB and obs-text (≥ 0x80) are allowed.
    /// </summary>
    public static readonly SearchValues<byte> InvalidFieldValue = SearchValues.Create(ControlsExceptTab());

    /// <summary>
    /// Request-target bytes: RFC 3986 unreserved, reserved and '%', minus '#' (a fragment is not part
    /// of the RFC 9112 §3.2 request-target). Everything else (CTL, SP, DEL, obs-text, '"', '&lt;',
    /// '&gt;', '\', '^', '`', '{', '|', '}') is rejected with 400.
    /// </summary>
    public static readonly SearchValues<byte> Target = SearchValues.Create(Ascii("-._~:/?[]@!$&'()*+,;=%" + Digit + Alpha));

    /// <summary>RFC 3986 reg-name bytes (unreserved, pct-encoded, sub-delims) minus ',' so a Host list never passes.</summary>
    public static readonly SearchValues<byte> RegName = SearchValues.Create(Ascii("-._~!$&'()*+;=%" + Digit + Alpha));

    /// <summary>Inside an IP-literal between '[' and ']': IPv6 only (IPvFuture and zone ids are not accepted).</summary>
    public static readonly SearchValues<byte> IpLiteral = SearchValues.Create(Ascii(":." + Digit + "ABCDEFabcdef"));

    public static readonly SearchValues<byte> Digits = SearchValues.Create(Ascii(Digit));

    /// <summary>Optional whitespace (RFC 9110 §5.6.3).</summary>
    public static readonly SearchValues<byte> Ows = SearchValues.Create(" \t"u8);

    public static bool IsToken(byte b) => Token.Contains(b);

    public static bool IsOws(byte b) => b is SP or HTAB;

    /// <summary>Value of a hex digit, or -1.</summary>
    public static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// Trims RFC 9110 OWS (SP / HTAB only) from both ends. A byte loop: list members and field
    /// values carry a space or two at most, where a vectorised search costs more to set up than
    /// it saves (this ran ~40 instructions a call as two IndexOfAnyExcept searches).
    /// </summary>
    public static ReadOnlySpan<byte> TrimOws(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length && IsOws(value[start]))
        {
            start++;
        }

        var end = value.Length;
        while (end > start && IsOws(value[end - 1]))
        {
            end--;
        }

        return value[start..end];
    }

    private static byte[] Ascii(string chars)
    {
        var bytes = new byte[chars.Length];
        for (var i = 0; i < chars.Length; i++)
        {
            bytes[i] = (byte)chars[i];
        }

        return bytes;
    }

    private static byte[] ControlsExceptTab()
    {
        var bytes = new byte[32];
        var count = 0;
        for (var b = 0; b < 0x20; b++)
        {
            if (b != HTAB)
            {
                bytes[count++] = (byte)b;
            }
        }

        bytes[count] = 0x7F;
        return bytes;
    }
}
