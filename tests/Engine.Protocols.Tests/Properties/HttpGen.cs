using CsCheck;
using Engine.Protocols.Http1;

namespace Engine.Protocols.Tests.Properties;

/// <summary>
/// Generators for messages inside the RFC 9110/9112 grammar as our parsers accept it
/// (Http1/README.md "Choices"): the properties then say every such message survives a round trip.
/// Text is Latin-1, one char per byte.
/// </summary>
internal static class HttpGen
{
    public const string Alpha = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    public const string Digit = "0123456789";

    /// <summary>RFC 9110 §5.6.2 tchar.</summary>
    public const string TokenChars = Alpha + Digit + "!#$%&'*+-.^_`|~";

    /// <summary>RFC 3986 pchar without pct-encoding (a '%' is accepted as sent, see Http1/README.md).</summary>
    public const string PathChars = Alpha + Digit + "-._~!$&'()*+,;=:@%";

    /// <summary>VCHAR and obs-text, the bytes a field value may hold besides inner SP/HTAB.</summary>
    public static readonly string ValueChars = new([.. Enumerable.Range(0x21, 0x7E - 0x21 + 1).Select(c => (char)c), '\u0080', '\u00A9', '\u00FF']);

    public static Gen<string> StringOf(string chars, int min, int max) => Gen.Char[chars].Array[min, max].Select(a => new string(a));

    public static readonly Gen<string> Token = StringOf(TokenChars, 1, 16);

    public static readonly Gen<string> Method = Gen.Frequency(
        (3, Gen.OneOf("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE")),
        (1, Token));

    /// <summary>origin-form: "/" segments, optional query (which may hold '/' and '?').</summary>
    public static readonly Gen<string> OriginTarget = Gen.Select(
        StringOf(PathChars, 0, 12).Array[1, 6],
        Gen.Bool,
        StringOf(PathChars + "/?", 0, 20),
        (segments, hasQuery, query) => "/" + string.Join('/', segments) + (hasQuery ? "?" + query : string.Empty));

    /// <summary>A field value: no leading or trailing whitespace (the parser trims OWS), inner SP/HTAB allowed.</summary>
    public static readonly Gen<string> FieldValue = Gen.Frequency(
        (1, Gen.Const(string.Empty)),
        (6, Gen.Select(StringOf(ValueChars, 1, 10).Array[1, 4], Gen.OneOf(" ", "\t", "  "), (words, gap) => string.Join(gap, words))));

    /// <summary>A field name with no framing meaning (not Host, Content-Length, Transfer-Encoding, Connection…).</summary>
    public static readonly Gen<string> PlainFieldName = Gen.Frequency(
        (4, Token),
        (1, Gen.OneOf("X-Request-Id", "content-type", "Date", "x-forwarded-for", "Cookie", "Set-Cookie", "x_underscore")))
        .Where(n => KnownHeaders.Identify(System.Text.Encoding.Latin1.GetBytes(n)) is Http.KnownHeader.None
            or Http.KnownHeader.ContentType or Http.KnownHeader.Date or Http.KnownHeader.XRequestId or Http.KnownHeader.XForwardedFor);

    public static readonly Gen<(string Name, string Value)[]> PlainFields = Gen.Select(PlainFieldName, FieldValue).Array[0, 12];

    /// <summary>Optional framing: none, a Content-Length, or chunked.</summary>
    public static readonly Gen<(string Name, string Value)[]> Framing = Gen.Frequency(
        (2, Gen.Const(Array.Empty<(string, string)>())),
        (1, Gen.Long[0, long.MaxValue].Select(n => new[] { ("Content-Length", n.ToString(System.Globalization.CultureInfo.InvariantCulture)) })),
        (1, Gen.OneOf("chunked", "Chunked", "CHUNKED").Select(v => new[] { ("Transfer-Encoding", v) })));

    /// <summary>Cuts <paramref name="length"/> bytes into 1..n segment lengths (a generated split).</summary>
    public static Gen<int[]> Splits(int length) => Gen.Int[1, Math.Max(1, length)].Array[0, 8];
}
