using System.Buffers;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// The shared shape of head parsing: scan the buffer for a complete, bounded head without copying;
/// once it is all there, reset the head, copy the bytes into its arena in one go (whatever the
/// segmentation) and parse from that contiguous span so every range points into the arena.
/// </summary>
internal static class Http1HeadParser
{
    public static Http1ParseStatus TryParse<THead, TSyntax>(
        in ReadOnlySequence<byte> buffer,
        THead head,
        in Http1Limits limits,
        out SequencePosition consumed,
        out Http1Error error)
        where THead : HttpHead
        where TSyntax : IHttp1HeadSyntax<THead>
    {
        consumed = buffer.Start;
        var status = Http1HeadScanner.Scan(buffer, TSyntax.ScanOptions(limits), out var extent, out error);
        if (status != Http1ParseStatus.Complete)
        {
            return status;
        }

        head.Reset();
        var copy = head.Reserve(extent.Length, out var range);
        buffer.Slice(extent.Start, extent.Length).CopyTo(copy);

        error = TSyntax.Parse(head, range, extent.StartLineLength);
        if (error != Http1Error.None)
        {
            return Http1ParseStatus.Error;
        }

        consumed = buffer.GetPosition(extent.End);
        return Http1ParseStatus.Complete;
    }

    /// <summary>
    /// <see cref="TryParse{THead, TSyntax}(in ReadOnlySequence{byte}, THead, in Http1Limits, out SequencePosition, out Http1Error)"/>
    /// for a connection whose heads repeat: a head the <paramref name="memo"/> holds is copied from it
    /// instead of parsed.
    /// </summary>
    public static Http1ParseStatus TryParse<THead, TSyntax>(
        in ReadOnlySequence<byte> buffer,
        THead head,
        in Http1Limits limits,
        Http1HeadMemo<THead> memo,
        out SequencePosition consumed,
        out Http1Error error)
        where THead : HttpHead, new()
        where TSyntax : IHttp1HeadSyntax<THead>
    {
        if (memo.TryReplay(buffer, head, limits, out var length))
        {
            consumed = buffer.GetPosition(length);
            error = Http1Error.None;
            return Http1ParseStatus.Complete;
        }

        var status = TryParse<THead, TSyntax>(buffer, head, limits, out consumed, out error);
        if (status == Http1ParseStatus.Complete)
        {
            memo.Remember(buffer.Slice(buffer.Start, consumed), head, limits);
        }

        return status;
    }

    /// <summary>The field lines of a copied head: after the start line's CRLF, before the final empty line.</summary>
    public static Http1Error ParseFields<THandler>(ReadOnlySpan<byte> headBytes, int arenaOffset, int startLineLength, ref THandler handler)
        where THandler : struct, IHttp1FieldHandler
    {
        var fieldsStart = startLineLength + 2;
        return Http1FieldParser.Parse(headBytes[fieldsStart..^2], arenaOffset + fieldsStart, ref handler);
    }
}
