using Engine.Protocols.Http1;

namespace Engine.Protocols.Http2;

/// <summary>
/// Checks the DATA of one message against its content-length (RFC 9113 §8.1.1: a message whose
/// content-length differs from the sum of its DATA payload lengths is malformed). This is what stops
/// H2.CL request smuggling when the request is forwarded over HTTP/1.1 (robustness.md §1.7).
/// Payload lengths exclude padding.
/// </summary>
public struct Http2ContentLength
{
    private const int MaxDigits = 19;

    private readonly long _declared;

    /// <param name="declared">The head's content-length, or -1 when it has none (nothing to check).</param>
    /// <param name="noContent">
    /// The message cannot have content whatever content-length says: a response to HEAD, or a 204 or
    /// 304 (§8.1.1 lets those carry a non-zero content-length with no DATA).
    /// </param>
    public Http2ContentLength(long declared, bool noContent = false)
    {
        _declared = noContent ? 0 : declared;
    }

    /// <summary>Sum of DATA payload lengths so far.</summary>
    public long Received { get; private set; }

    /// <summary>A DATA frame's payload arrived; <paramref name="endStream"/> when it carried END_STREAM.</summary>
    public Http2Error OnData(int length, bool endStream)
    {
        Received += length;
        if (_declared >= 0 && Received > _declared)
        {
            return Http2Error.ContentLengthMismatch;
        }

        return endStream ? OnEndStream() : Http2Error.None;
    }

    /// <summary>The message ended (END_STREAM on DATA or on trailers): all declared bytes must have come.</summary>
    public readonly Http2Error OnEndStream()
        => _declared >= 0 && Received != _declared ? Http2Error.ContentLengthMismatch : Http2Error.None;

    /// <summary>
    /// RFC 9110 §8.6: 1*DIGIT, without overflow. A list ("5, 5") is refused, as the HTTP/1.1 parser
    /// refuses it: no HTTP/2 sender needs one.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > MaxDigits || value.ContainsAnyExcept(Http1Chars.Digits))
        {
            return false;
        }

        ulong result = 0;
        foreach (var digit in value)
        {
            result = (result * 10) + (ulong)(digit - '0');
        }

        if (result > long.MaxValue)
        {
            return false;
        }

        length = (long)result;
        return true;
    }
}
