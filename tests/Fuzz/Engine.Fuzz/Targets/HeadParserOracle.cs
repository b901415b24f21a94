using System.Buffers;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Fuzz.Targets;

/// <summary>
/// What both head parsers promise, checked on one input: errors are values (never exceptions);
/// the verdict does not depend on how the bytes are segmented; a prefix of the input never decides
/// differently from the whole (it waits, or already knows the same error); a complete head is
/// consumed exactly to its empty line and parses the same into a reused object as into a fresh one;
/// and parsed again and again through an <see cref="Http1HeadMemo{THead}"/> (so the third time is a
/// copy), it gives what parsing gives, and its prefixes still wait.
/// </summary>
internal sealed class HeadParserOracle<THead>
    where THead : HttpHead, new()
{
    public delegate Http1ParseStatus Parser(in ReadOnlySequence<byte> buffer, THead head, in Http1Limits limits, out SequencePosition consumed, out Http1Error error);

    public delegate Http1ParseStatus MemoParser(in ReadOnlySequence<byte> buffer, THead head, in Http1Limits limits, Http1HeadMemo<THead> memo, out SequencePosition consumed, out Http1Error error);

    /// <summary>Prefixes checked per input: enough to catch a premature verdict, few enough to stay fast.</summary>
    private const int PrefixChecks = 12;

    private readonly Parser _parse;
    private readonly THead _reused;
    private readonly Func<THead> _create;

    public HeadParserOracle(Parser parse, Func<THead> create)
    {
        _parse = parse;
        _create = create;
        _reused = create();
    }

    public Http1Limits Limits { get; init; } = Http1Limits.Default;

    /// <summary>The same parser with a memo.</summary>
    public required MemoParser WithMemo { get; init; }

    /// <summary>Runs the checks; returns the parsed head (a fresh object) when the input starts with a complete one.</summary>
    public THead? Check(byte[] data, out long consumedBytes)
    {
        var whole = new ReadOnlySequence<byte>(data);
        var status = _parse(whole, _reused, Limits, out var consumed, out var error);
        consumedBytes = Segments.Offset(whole, consumed);
        OracleViolation.Check((status == Http1ParseStatus.Error) == (error != Http1Error.None), $"status {status} with error {error}");
        OracleViolation.Check(status == Http1ParseStatus.Complete ? consumedBytes > 0 : consumedBytes == 0, $"status {status} consumed {consumedBytes}");
        var reusedPicture = status == Http1ParseStatus.Complete ? HeadPicture.Of(_reused) : null;

        var fresh = _create();
        var split = Segments.OneBytePerSegment(data);
        var splitStatus = _parse(split, fresh, Limits, out var splitConsumed, out var splitError);
        OracleViolation.Equal(status, splitStatus, "status, one byte per segment");
        OracleViolation.Equal(error, splitError, "error, one byte per segment");
        OracleViolation.Equal(consumedBytes, Segments.Offset(split, splitConsumed), "consumed, one byte per segment");
        if (status == Http1ParseStatus.Complete)
        {
            OracleViolation.Equal(reusedPicture, HeadPicture.Of(fresh), "head parsed into a reused object vs a fresh one");
        }

        CheckPrefixes(data, status, error, consumedBytes);
        CheckMemo(data, status, error, consumedBytes, reusedPicture);
        return status == Http1ParseStatus.Complete ? fresh : null;
    }

    private void CheckMemo(byte[] data, Http1ParseStatus status, Http1Error error, long consumedBytes, string? picture)
    {
        var memo = new Http1HeadMemo<THead>();
        var head = _create();
        var whole = new ReadOnlySequence<byte>(data);
        for (var arrival = 1; arrival <= 3; arrival++)
        {
            var memoStatus = WithMemo(whole, head, Limits, memo, out var consumed, out var memoError);
            OracleViolation.Equal(status, memoStatus, $"status through the memo (arrival {arrival})");
            OracleViolation.Equal(error, memoError, $"error through the memo (arrival {arrival})");
            OracleViolation.Equal(consumedBytes, Segments.Offset(whole, consumed), $"consumed through the memo (arrival {arrival})");
            if (status == Http1ParseStatus.Complete)
            {
                OracleViolation.Equal(picture, HeadPicture.Of(head), $"head through the memo (arrival {arrival})");
            }
        }

        if (status == Http1ParseStatus.Complete)
        {
            var prefixStatus = WithMemo(new ReadOnlySequence<byte>(data, 0, (int)consumedBytes - 1), head, Limits, memo, out _, out _);
            OracleViolation.Equal(Http1ParseStatus.Incomplete, prefixStatus, "the head less its last byte, through the memo that holds it");
        }
    }

    private void CheckPrefixes(byte[] data, Http1ParseStatus status, Http1Error error, long consumedBytes)
    {
        // A complete head: every shorter prefix of the head waits for more. An error: a prefix
        // waits or already reports the same error. Incomplete: every prefix waits too.
        var end = status == Http1ParseStatus.Complete ? (int)consumedBytes : data.Length;
        var step = Math.Max(1, end / PrefixChecks);
        var scratch = _create();
        for (var length = 0; length < end; length += step)
        {
            var prefixStatus = _parse(new ReadOnlySequence<byte>(data, 0, length), scratch, Limits, out _, out var prefixError);
            if (prefixStatus == Http1ParseStatus.Incomplete)
            {
                continue;
            }

            OracleViolation.Check(status == Http1ParseStatus.Error, $"a {length}-byte prefix gave {prefixStatus} {prefixError}, the whole input {status}");
            OracleViolation.Equal(error, prefixError, $"error of a {length}-byte prefix");
        }
    }
}
