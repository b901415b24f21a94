using Engine.Protocols.Hpack;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http2;

/// <summary>
/// One connection's last field block of a kind (request heads, response heads or trailers) that
/// left the HPACK dynamic table as it found it (fields indexed, or literals not indexed), with the
/// head it decoded to. Peers repeat such blocks: once a connection has sent a request's fields with
/// incremental indexing, h2load, gRPC clients and browsers polling one URL send the same request
/// again as the same few index bytes, and a gRPC server its answer's head and trailers. Decoding
/// such a block is a function of its bytes, the table's content and the limits alone, so while all
/// three are unchanged the head it gave, already checked (RFC 9113 §8.1–§8.3), is copied instead of
/// decoded and checked again: about 3,000 of an h2c request's 34,000 instructions.
/// <para>
/// A block is remembered when first decoded and its head kept when it comes again, so the third
/// arrival is the first copy, and a connection whose blocks vary pays a compare and a copy of its
/// block (at most <see cref="MaxBlockLength"/> bytes), not a copy of each head. A block with a table
/// size update changes the table (<see cref="HpackDynamicTable.Changes"/>) and is never kept, and
/// our own smaller SETTINGS_HEADER_TABLE_SIZE changes it too, so the size update it makes the peer
/// owe (RFC 7541 §4.2) is still asked for; a block that failed to decode is not kept either, so
/// every error still comes from the decoder.
/// </para>
/// </summary>
public sealed class HeadBlockMemo<THead>
    where THead : HttpHead, new()
{
    /// <summary>Longer blocks carry literals that change from message to message; they are not remembered.</summary>
    public const int MaxBlockLength = 256;

    private readonly RepeatedHead<THead> _blocks = new(MaxBlockLength);
    private int _maxListBytes;
    private int _maxFieldCount;

    /// <summary>Blocks answered from the kept head since this memo was made (diagnostics).</summary>
    public long Replays => _blocks.Replays;

    /// <summary>
    /// Fills <paramref name="head"/> from the kept head when <paramref name="block"/> is the kept
    /// block and the table (its count of changes) and limits are as they were; false means "decode it".
    /// </summary>
    internal bool TryReplay(ReadOnlySpan<byte> block, HpackDecoder decoder, THead head, in Http2Limits limits)
    {
        if (!SameLimits(limits))
        {
            return false;
        }

        var kept = _blocks.KeptBytes(decoder.Table.Changes);
        if (kept.IsEmpty || !block.SequenceEqual(kept))
        {
            return false;
        }

        _blocks.CopyKeptTo(head);
        return true;
    }

    /// <summary>
    /// After a block decoded without error and without changing the table (its count of changes was
    /// <paramref name="tableChanges"/> before and after): remembers it, or keeps its head when it
    /// repeats the block remembered last.
    /// </summary>
    internal void Remember(ReadOnlySpan<byte> block, long tableChanges, THead decoded, in Http2Limits limits)
    {
        if (!SameLimits(limits))
        {
            _blocks.Forget();
            _maxListBytes = limits.MaxHeaderListBytes;
            _maxFieldCount = limits.MaxHeaderCount;
        }

        _blocks.Remember(block, tableChanges, decoded);
    }

    /// <summary>Nothing remembered.</summary>
    public void Forget() => _blocks.Forget();

    private bool SameLimits(in Http2Limits limits)
        => limits.MaxHeaderListBytes == _maxListBytes && limits.MaxHeaderCount == _maxFieldCount;
}
