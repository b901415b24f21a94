using System.Buffers;

namespace Engine.Protocols.Http1;

/// <summary>
/// Finds the end of a head (start line, field lines, empty line) in a possibly multi-segment buffer
/// without copying, and enforces everything that can be known before the head is complete, so a
/// peer that never finishes cannot make us buffer past the limits:
/// - RFC 9112 §2.2: every line ends in CRLF; a bare LF or a CR not followed by LF is rejected
///   (the RFC lets a recipient accept bare LF; we do not, robustness.md §1.5 #9). After a
///   successful scan no CR or LF remains inside any line, which the line parsers rely on.
/// - RFC 9112 §2.2: at most one CRLF before a request line is ignored.
/// - start-line length, head bytes and field-line count limits (414/431).
/// It scans at most <see cref="HeadScanOptions.MaxBytes"/> (+ a few) bytes, however much is buffered.
/// </summary>
internal static class Http1HeadScanner
{
    public static Http1ParseStatus Scan(in ReadOnlySequence<byte> buffer, in HeadScanOptions options, out HeadExtent extent, out Http1Error error)
    {
        extent = default;
        error = Http1Error.None;

        var start = 0;            // past an ignored leading CRLF
        var lineStart = 0;        // offset of the line being scanned
        var position = 0;         // offset of the current segment's first byte
        var inStartLine = options.HasStartLine;
        var startLineLength = 0;
        var fieldLines = 0;
        var pendingCr = false;    // previous segment ended in CR
        var scanLimit = (long)options.MaxBytes + 4; // beyond this the head is too large whatever follows

        foreach (var segment in buffer)
        {
            var span = segment.Span;
            if (span.Length > scanLimit - position)
            {
                span = span[..(int)(scanLimit - position)];
            }

            var breaks = new LineBreakSearch(span);
            var i = 0;
            while (i < span.Length)
            {
                int crOffset;
                if (pendingCr)
                {
                    if (span[0] != Http1Chars.LF)
                    {
                        return Fail(Http1Error.BareCarriageReturn, out error);
                    }

                    pendingCr = false;
                    crOffset = position - 1;
                    i = 1;
                }
                else
                {
                    var hit = breaks.Next(i);
                    if (hit < 0)
                    {
                        break;
                    }

                    if (span[hit] == Http1Chars.LF)
                    {
                        return Fail(Http1Error.BareLineFeed, out error);
                    }

                    if (hit + 1 == span.Length)
                    {
                        pendingCr = true;
                        break;
                    }

                    if (span[hit + 1] != Http1Chars.LF)
                    {
                        return Fail(Http1Error.BareCarriageReturn, out error);
                    }

                    crOffset = position + hit;
                    i = hit + 2;
                }

                // A complete line [lineStart, crOffset) followed by CRLF.
                var lineLength = crOffset - lineStart;
                var next = crOffset + 2;
                if (inStartLine)
                {
                    if (lineLength == 0)
                    {
                        if (options.SkipLeadingEmptyLine && lineStart == 0)
                        {
                            start = lineStart = next;
                            continue;
                        }

                        return Fail(options.InvalidStartLine, out error);
                    }

                    if (lineLength > options.MaxStartLineBytes)
                    {
                        return Fail(options.StartLineTooLong, out error);
                    }

                    startLineLength = lineLength;
                    inStartLine = false;
                }
                else if (lineLength == 0)
                {
                    if (next - start > options.MaxBytes)
                    {
                        return Fail(Http1Error.HeadersTooLarge, out error);
                    }

                    extent = new HeadExtent(start, next, startLineLength);
                    return Http1ParseStatus.Complete;
                }
                else if (++fieldLines > options.MaxFieldLines)
                {
                    return Fail(Http1Error.TooManyHeaders, out error);
                }

                lineStart = next;
            }

            position += span.Length;

            // Incomplete so far: reject now what more bytes cannot make valid.
            var pendingLine = position - lineStart - (pendingCr ? 1 : 0);
            if (inStartLine && pendingLine > options.MaxStartLineBytes)
            {
                return Fail(options.StartLineTooLong, out error);
            }

            if (position - start > options.MaxBytes)
            {
                return Fail(Http1Error.HeadersTooLarge, out error);
            }
        }

        return Http1ParseStatus.Incomplete;
    }

    private static Http1ParseStatus Fail(Http1Error reason, out Http1Error error)
    {
        error = reason;
        return Http1ParseStatus.Error;
    }
}
