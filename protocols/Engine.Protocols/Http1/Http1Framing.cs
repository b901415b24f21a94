using System.Text;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Message framing fields (Content-Length, Transfer-Encoding) and Connection options as they
/// arrive, shared by request and response heads. <see cref="Finish"/> applies RFC 9112 §6.3 once
/// all fields are in.
/// </summary>
internal struct Http1Framing
{
    private const int MaxContentLengthDigits = 19;

    private long _contentLength;
    private bool _hasContentLength;
    private bool _hasTransferEncoding;
    private bool _lastCodingChunked;
    private bool _otherCoding;
    private int _chunkedCount;

    private ConnectionOptions _connection;

    /// <summary>Takes the fields this struct is about; any other field is none of its business.</summary>
    public Http1Error OnField(KnownHeader known, ReadOnlySpan<byte> value)
    {
        switch (known)
        {
            case KnownHeader.ContentLength:
                return OnContentLength(value);
            case KnownHeader.TransferEncoding:
                return OnTransferEncoding(value);
            case KnownHeader.Connection:
                OnConnection(value);
                break;
        }

        return Http1Error.None;
    }

    /// <summary>
    /// RFC 9110 §8.6: Content-Length = 1*DIGIT; a recipient MUST anticipate large numbers and
    /// prevent overflow. RFC 9112 §6.3 rule 5 lets a recipient collapse identical repeated values;
    /// we reject every repetition, identical or not (a second line, or a list "5, 5"), as Kestrel and
    /// llhttp do: no legitimate sender repeats it, and any disagreement between two parsers about
    /// which one wins is a smuggling vector.
    /// </summary>
    private Http1Error OnContentLength(ReadOnlySpan<byte> value)
    {
        if (_hasContentLength || value.Contains(Http1Chars.Comma))
        {
            return Http1Error.DuplicateContentLength;
        }

        if (value.IsEmpty || value.Length > MaxContentLengthDigits || value.ContainsAnyExcept(Http1Chars.Digits))
        {
            return Http1Error.InvalidContentLength;
        }

        ulong length = 0;
        foreach (var digit in value)
        {
            length = (length * 10) + (ulong)(digit - '0');
        }

        // 19 digits never overflow an ulong but may exceed long.MaxValue.
        if (length > long.MaxValue)
        {
            return Http1Error.InvalidContentLength;
        }

        _contentLength = (long)length;
        _hasContentLength = true;
        return Http1Error.None;
    }

    /// <summary>
    /// Collects the codings of every Transfer-Encoding line in order (RFC 9110 §5.3: repeated lines are
    /// one list). Each member must be a bare token: empty members, parameters and quoted strings are
    /// rejected rather than skipped (robustness.md §1.5 #4–5: "never forgive a TE lookalike").
    /// </summary>
    private Http1Error OnTransferEncoding(ReadOnlySpan<byte> value)
    {
        _hasTransferEncoding = true;
        while (true)
        {
            var comma = value.IndexOf(Http1Chars.Comma);
            var coding = Http1Chars.TrimOws(comma < 0 ? value : value[..comma]);
            if (coding.IsEmpty || coding.ContainsAnyExcept(Http1Chars.Token))
            {
                return Http1Error.InvalidTransferEncoding;
            }

            _lastCodingChunked = AsciiCase.EqualsLower(coding, "chunked"u8);
            if (_lastCodingChunked)
            {
                _chunkedCount++;
            }
            else
            {
                _otherCoding = true;
            }

            if (comma < 0)
            {
                return Http1Error.None;
            }

            value = value[(comma + 1)..];
        }
    }

    /// <summary>RFC 9112 §9.6 close, §9.3 keep-alive (HTTP/1.0), RFC 9110 §7.8 upgrade; other tokens name hop-by-hop fields.</summary>
    private void OnConnection(ReadOnlySpan<byte> value)
    {
        // A loop over commas rather than MemoryExtensions.Split, whose enumerator cost ~300
        // instructions for the one-token "keep-alive" every upstream response carries.
        while (true)
        {
            var comma = value.IndexOf(Http1Chars.Comma);
            var token = Http1Chars.TrimOws(comma < 0 ? value : value[..comma]);
            _connection |= token.Length switch
            {
                0 => ConnectionOptions.None,
                5 when AsciiCase.EqualsLower(token, "close"u8) => ConnectionOptions.Close,
                7 when AsciiCase.EqualsLower(token, "upgrade"u8) => ConnectionOptions.Upgrade,
                10 when AsciiCase.EqualsLower(token, "keep-alive"u8) => ConnectionOptions.KeepAlive,
                _ => ConnectionOptions.OtherTokens,
            };

            if (comma < 0)
            {
                return;
            }

            value = value[(comma + 1)..];
        }
    }

    /// <summary>
    /// RFC 9112 §6.3 once the field section is complete, then fills the head's framing properties:
    /// rule 3: Content-Length with Transfer-Encoding "ought to be handled as an error"; we reject it
    /// (Envoy's default; robustness.md §1.5 #1).
    /// §6.1: Transfer-Encoding in an HTTP/1.0 message MUST be treated as faulty framing; we reject it.
    /// chunked applied more than once is invalid (RFC 9112 §7: a sender MUST NOT apply chunked more
    /// than once).
    /// rule 4: a request whose final coding is not chunked MUST get 400; a response so framed would
    /// be read until close, which we refuse too.
    /// Any coding before the final chunked is one we do not implement (RFC 9112 §6.1: 501).
    /// </summary>
    public readonly Http1Error Finish(HttpHead head)
    {
        if (_hasTransferEncoding)
        {
            if (_hasContentLength)
            {
                return Http1Error.ContentLengthAndTransferEncoding;
            }

            if (head.Version == HttpVersion.Http10)
            {
                return Http1Error.TransferEncodingInHttp10;
            }

            if (_chunkedCount > 1)
            {
                return Http1Error.ChunkedAppliedTwice;
            }

            if (!_lastCodingChunked)
            {
                return Http1Error.TransferEncodingNotChunked;
            }

            if (_otherCoding)
            {
                return Http1Error.UnsupportedTransferEncoding;
            }
        }

        head.ContentLength = _hasContentLength ? _contentLength : -1;
        head.Chunked = _hasTransferEncoding;
        head.Connection = _connection;
        return Http1Error.None;
    }
}
