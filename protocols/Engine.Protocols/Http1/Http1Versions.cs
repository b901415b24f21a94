using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>RFC 9112 §2.3 HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.</summary>
internal static class Http1Versions
{
    public const int Length = 8;

    /// <summary>
    /// <see cref="HttpVersion.Http11"/> or <see cref="HttpVersion.Http10"/>; for any other well-formed
    /// version <see cref="Http1Error.UnsupportedVersion"/> (505), for anything else
    /// <paramref name="malformed"/>.
    /// </summary>
    public static Http1Error Parse(ReadOnlySpan<byte> version, Http1Error malformed, out HttpVersion parsed)
    {
        parsed = HttpVersion.Unknown;
        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            parsed = HttpVersion.Http11;
            return Http1Error.None;
        }

        if (version.SequenceEqual("HTTP/1.0"u8))
        {
            parsed = HttpVersion.Http10;
            return Http1Error.None;
        }

        return version.Length == Length
            && version.StartsWith("HTTP/"u8)
            && char.IsAsciiDigit((char)version[5])
            && version[6] == (byte)'.'
            && char.IsAsciiDigit((char)version[7])
            ? Http1Error.UnsupportedVersion
            : malformed;
    }
}
