using System.Buffers;
using System.Runtime.InteropServices;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// One connection's last HTTP/1.1 head as it came (its bytes up to and including the empty line)
/// and, once the same bytes came twice in a row, as it parsed. A head is parsed from its bytes and
/// the limits alone, so when the next head starts the buffer with those bytes under the same limits,
/// the parsed head, already checked (RFC 9112 §2–§6, robustness.md §1.5), is copied instead of
/// scanned and parsed again: about 3,000 instructions of a 150-byte response head with five fields.
/// <para>
/// What repeats byte for byte: a load generator's requests, health checks and polls, and the answers
/// to them (an upstream's Date changes once a second). A request with its own id or trace context,
/// or an answer of another length, is parsed as before, after a compare that fails at the first
/// differing byte and a copy of its bytes (at most <see cref="MaxHeadLength"/>) to compare the next
/// one against. Only heads that parsed without error are kept, so every error still comes from the
/// parser; a head split over buffer segments is parsed.
/// </para>
/// </summary>
public sealed class Http1HeadMemo<THead>
    where THead : HttpHead, new()
{
    /// <summary>Longer heads carry cookies or tokens that rarely repeat; they are not remembered.</summary>
    public const int MaxHeadLength = 512;

    private readonly RepeatedHead<THead> _heads = new(MaxHeadLength);
    private Http1Limits _limits;

    /// <summary>Heads answered from the kept head since this memo was made (diagnostics).</summary>
    public long Replays => _heads.Replays;

    /// <summary>
    /// Fills <paramref name="head"/> from the kept head when <paramref name="buffer"/> starts with its
    /// bytes and the limits are as they were; <paramref name="length"/> is then the head's length.
    /// </summary>
    internal bool TryReplay(in ReadOnlySequence<byte> buffer, THead head, in Http1Limits limits, out int length)
    {
        var kept = _heads.KeptBytes(context: 0);
        length = kept.Length;
        if (kept.IsEmpty || !buffer.FirstSpan.StartsWith(kept) || !SameLimits(limits))
        {
            return false;
        }

        _heads.CopyKeptTo(head);
        return true;
    }

    /// <summary>After a head parsed without error from <paramref name="bytes"/>: remembers them, or keeps the head when they repeat the last ones.</summary>
    internal void Remember(in ReadOnlySequence<byte> bytes, THead parsed, in Http1Limits limits)
    {
        if (!SameLimits(limits))
        {
            _heads.Forget();
            _limits = limits;
        }

        _heads.Remember(bytes, context: 0, parsed);
    }

    /// <summary>Nothing remembered.</summary>
    public void Forget() => _heads.Forget();

    /// <summary>All of the limits, compared as bytes: the record's own equality goes through a comparer per member.</summary>
    private bool SameLimits(in Http1Limits limits)
        => MemoryMarshal.AsBytes(new ReadOnlySpan<Http1Limits>(in limits)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<Http1Limits>(in _limits)));
}
