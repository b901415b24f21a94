using System.Buffers;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Streams a chunked body (RFC 9112 §7.1) from one pipe to another without copying data: each call
/// hands back the body bytes available as a slice of the input, so the caller writes them on and
/// advances its reader, with back-pressure, in any segmentation. Chunk lines are consumed byte by
/// byte into this object's state, so a size line split across reads needs no re-scan; only the
/// trailer section is waited for whole (bounded by the head limits) before it is consumed.
///
/// Strict, per robustness.md §1.5 #7–9 (CVE-2025-55315, CVE-2025-22871 shapes):
///   chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
///   chunk-size = 1*HEXDIG              (≤ 16 digits and ≤ long.MaxValue; no "0x", sign, or spaces)
///   chunk-ext  = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
/// Every line ends in CRLF: a bare LF or bare CR anywhere in framing is an error, as is any CTL
/// inside an extension. Extensions are ignored (RFC 9112 §7.1.1 MUST ignore unknown) and limited
/// per line and per message. One instance per connection: <see cref="Reset"/> before each message.
/// </summary>
public sealed class ChunkedDecoder
{
    private const int MaxSizeDigits = 16;

    private readonly Http1Limits _limits;
    private State _state;
    private Http1Error _error;
    private long _size;
    private int _sizeDigits;
    private long _remaining;
    private int _lineBytes;
    private int _extensionBytes;

    public ChunkedDecoder()
        : this(Http1Limits.Default)
    {
    }

    public ChunkedDecoder(in Http1Limits limits)
    {
        _limits = limits;
    }

    private enum State : byte
    {
        // Framing states, consumed byte by byte (all ordered before Data).
        Size,
        BwsAfterSize,
        BwsBeforeSemicolon,
        ExtensionNameStart,
        ExtensionName,
        BwsAfterName,
        ExtensionValueStart,
        ExtensionToken,
        ExtensionQuoted,
        ExtensionQuotedPair,
        AfterQuoted,
        LineFeed,
        DataCarriageReturn,
        DataLineFeed,

        // Body bytes, handed out as slices.
        Data,
        Trailers,
        Done,
        Failed,
    }

    /// <summary>Body bytes handed out so far (the decoded length, without framing).</summary>
    public long BodyBytes { get; private set; }

    /// <summary>Trailer fields of the message, filled when <see cref="ChunkedDecodeStatus.Complete"/> is returned.</summary>
    public HttpTrailers Trailers { get; } = new();

    public bool IsComplete => _state == State.Done;

    public void Reset()
    {
        _state = State.Size;
        _error = Http1Error.None;
        _size = 0;
        _sizeDigits = 0;
        _remaining = 0;
        _lineBytes = 0;
        _extensionBytes = 0;
        BodyBytes = 0;
        Trailers.Reset();
    }

    /// <summary>
    /// Decodes from the start of <paramref name="input"/> (the bytes after what the previous call
    /// consumed). <see cref="ChunkedDecodeStatus.Data"/>: forward <paramref name="data"/>, then call again
    /// with the input after <paramref name="consumed"/>. <see cref="ChunkedDecodeStatus.NeedMoreData"/>:
    /// advance to <paramref name="consumed"/> with examined = input.End and read more (bytes of an
    /// incomplete trailer section stay unconsumed). <see cref="ChunkedDecodeStatus.Complete"/>: the bytes
    /// after <paramref name="consumed"/> belong to the next message. <see cref="ChunkedDecodeStatus.Error"/>:
    /// close; the error is sticky until <see cref="Reset"/>.
    /// </summary>
    public ChunkedDecodeStatus Decode(
        in ReadOnlySequence<byte> input,
        out ReadOnlySequence<byte> data,
        out SequencePosition consumed,
        out Http1Error error)
    {
        data = default;
        error = Http1Error.None;
        var reader = new SequenceReader<byte>(input);
        while (true)
        {
            switch (_state)
            {
                case State.Failed:
                    consumed = input.Start;
                    error = _error;
                    return ChunkedDecodeStatus.Error;

                case State.Done:
                    consumed = input.Start;
                    return ChunkedDecodeStatus.Complete;

                case State.Data:
                    consumed = reader.Position;
                    if (reader.End)
                    {
                        return ChunkedDecodeStatus.NeedMoreData;
                    }

                    var take = Math.Min(_remaining, reader.Remaining);
                    var start = reader.Position;
                    reader.Advance(take);
                    consumed = reader.Position;
                    data = input.Slice(start, consumed);
                    _remaining -= take;
                    BodyBytes += take;
                    if (_remaining == 0)
                    {
                        _state = State.DataCarriageReturn;
                    }

                    return ChunkedDecodeStatus.Data;

                case State.Trailers:
                    return DecodeTrailers(input.Slice(reader.Position), out consumed, out error);

                default:
                    if (reader.End)
                    {
                        consumed = reader.Position;
                        return ChunkedDecodeStatus.NeedMoreData;
                    }

                    var span = reader.UnreadSpan;
                    var used = 0;
                    var failure = Http1Error.None;
                    while (used < span.Length && _state < State.Data)
                    {
                        failure = Step(span[used++]);
                        if (failure != Http1Error.None)
                        {
                            break;
                        }
                    }

                    reader.Advance(used);
                    if (failure != Http1Error.None)
                    {
                        return Fail(failure, reader.Position, out consumed, out error);
                    }

                    break;
            }
        }
    }

    /// <summary>One byte of a chunk line or of the CRLF after chunk data.</summary>
    private Http1Error Step(byte b)
    {
        switch (_state)
        {
            case State.DataCarriageReturn:
                _state = State.DataLineFeed;
                return b == Http1Chars.CR ? Http1Error.None : Http1Error.InvalidChunkTerminator;
            case State.DataLineFeed:
                _state = State.Size;
                return b == Http1Chars.LF ? Http1Error.None : Http1Error.InvalidChunkTerminator;
            case State.LineFeed:
                return b == Http1Chars.LF ? EndLine() : Http1Error.BareCarriageReturn;
        }

        if (b == Http1Chars.LF)
        {
            return Http1Error.BareLineFeed;
        }

        if (b == Http1Chars.CR)
        {
            return OnCarriageReturn();
        }

        if (++_lineBytes > _limits.MaxChunkLineBytes)
        {
            return Http1Error.ChunkExtensionTooLong;
        }

        if (_state is not State.Size and not State.BwsAfterSize && ++_extensionBytes > _limits.MaxChunkExtensionBytesPerMessage)
        {
            return Http1Error.ChunkExtensionTooLong;
        }

        return _state switch
        {
            State.Size => SizeByte(b),
            State.BwsAfterSize => b == Http1Chars.Semicolon ? Go(State.ExtensionNameStart)
                : Http1Chars.IsOws(b) ? Http1Error.None
                : Http1Error.InvalidChunkSize,
            State.BwsBeforeSemicolon => b == Http1Chars.Semicolon ? Go(State.ExtensionNameStart)
                : Http1Chars.IsOws(b) ? Http1Error.None
                : Http1Error.InvalidChunkExtension,
            State.ExtensionNameStart => Http1Chars.IsToken(b) ? Go(State.ExtensionName)
                : Http1Chars.IsOws(b) ? Http1Error.None
                : Http1Error.InvalidChunkExtension,
            State.ExtensionName => AfterNameByte(b, Http1Chars.IsToken(b)),
            State.BwsAfterName => AfterNameByte(b, stay: false),
            State.ExtensionValueStart => Http1Chars.IsToken(b) ? Go(State.ExtensionToken)
                : b == Http1Chars.DQuote ? Go(State.ExtensionQuoted)
                : Http1Chars.IsOws(b) ? Http1Error.None
                : Http1Error.InvalidChunkExtension,
            State.ExtensionToken => Http1Chars.IsToken(b) ? Http1Error.None : AfterValueByte(b),
            State.ExtensionQuoted => QuotedByte(b),
            State.ExtensionQuotedPair => IsQuotedText(b) || b == Http1Chars.DQuote || b == Http1Chars.Backslash
                ? Go(State.ExtensionQuoted)
                : Http1Error.InvalidChunkExtension,
            State.AfterQuoted => AfterValueByte(b),
            _ => Http1Error.InvalidChunkExtension,
        };
    }

    private Http1Error SizeByte(byte b)
    {
        var digit = Http1Chars.HexValue(b);
        if (digit >= 0)
        {
            // RFC 9112 §7.1: recipients MUST anticipate large sizes and prevent overflow.
            if (++_sizeDigits > MaxSizeDigits || _size > (long.MaxValue >> 4))
            {
                return Http1Error.InvalidChunkSize;
            }

            _size = (_size << 4) | (uint)digit;
            return Http1Error.None;
        }

        if (_sizeDigits == 0)
        {
            return Http1Error.InvalidChunkSize;
        }

        return b == Http1Chars.Semicolon ? Go(State.ExtensionNameStart)
            : Http1Chars.IsOws(b) ? Go(State.BwsAfterSize)
            : Http1Error.InvalidChunkSize;
    }

    private Http1Error AfterNameByte(byte b, bool stay)
        => stay ? Http1Error.None
            : b == (byte)'=' ? Go(State.ExtensionValueStart)
            : b == Http1Chars.Semicolon ? Go(State.ExtensionNameStart)
            : Http1Chars.IsOws(b) ? Go(State.BwsAfterName)
            : Http1Error.InvalidChunkExtension;

    private Http1Error AfterValueByte(byte b)
        => b == Http1Chars.Semicolon ? Go(State.ExtensionNameStart)
            : Http1Chars.IsOws(b) ? Go(State.BwsBeforeSemicolon)
            : Http1Error.InvalidChunkExtension;

    /// <summary>RFC 9110 §5.6.4 quoted-string: qdtext or a quoted-pair; no CTL other than HTAB.</summary>
    private Http1Error QuotedByte(byte b)
        => b == Http1Chars.DQuote ? Go(State.AfterQuoted)
            : b == Http1Chars.Backslash ? Go(State.ExtensionQuotedPair)
            : IsQuotedText(b) ? Http1Error.None
            : Http1Error.InvalidChunkExtension;

    private static bool IsQuotedText(byte b) => b == Http1Chars.HTAB || (b >= 0x20 && b != 0x7F && b != Http1Chars.DQuote && b != Http1Chars.Backslash);

    /// <summary>A CR ends the line only where the grammar may end: after a size, a name or a value.</summary>
    private Http1Error OnCarriageReturn()
    {
        switch (_state)
        {
            case State.Size when _sizeDigits > 0:
            case State.ExtensionName:
            case State.ExtensionToken:
            case State.AfterQuoted:
                _state = State.LineFeed;
                return Http1Error.None;
            case State.Size:
            case State.BwsAfterSize:
                return Http1Error.InvalidChunkSize;
            default:
                return Http1Error.InvalidChunkExtension;
        }
    }

    private Http1Error EndLine()
    {
        if (_size > long.MaxValue - BodyBytes)
        {
            return Http1Error.InvalidChunkSize;
        }

        _remaining = _size;
        _state = _size == 0 ? State.Trailers : State.Data;
        _size = 0;
        _sizeDigits = 0;
        _lineBytes = 0;
        return Http1Error.None;
    }

    /// <summary>RFC 9112 §7.1.2: trailer-section = *( field-line CRLF ), then the final CRLF; same field rules as a head.</summary>
    private ChunkedDecodeStatus DecodeTrailers(in ReadOnlySequence<byte> rest, out SequencePosition consumed, out Http1Error error)
    {
        consumed = rest.Start;
        var status = Http1HeadScanner.Scan(rest, HeadScanOptions.Trailers(_limits), out var extent, out error);
        if (status == Http1ParseStatus.Incomplete)
        {
            return ChunkedDecodeStatus.NeedMoreData;
        }

        if (status == Http1ParseStatus.Complete)
        {
            Trailers.Reset();
            var copy = Trailers.Reserve(extent.Length, out var range);
            rest.Slice(0, extent.Length).CopyTo(copy);
            var handler = new TrailerFieldHandler(Trailers);
            error = Http1FieldParser.Parse(Trailers.Span(range)[..^2], range.Start, ref handler);
        }

        if (error != Http1Error.None)
        {
            return Fail(error, rest.Start, out consumed, out error);
        }

        _state = State.Done;
        consumed = rest.GetPosition(extent.End);
        return ChunkedDecodeStatus.Complete;
    }

    private Http1Error Go(State next)
    {
        _state = next;
        return Http1Error.None;
    }

    private ChunkedDecodeStatus Fail(Http1Error reason, SequencePosition at, out SequencePosition consumed, out Http1Error error)
    {
        _state = State.Failed;
        _error = reason;
        consumed = at;
        error = reason;
        return ChunkedDecodeStatus.Error;
    }
}
