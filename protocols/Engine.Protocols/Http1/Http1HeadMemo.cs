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

    private readonly byte[] _bytes = new byte[MaxHeadLength];
    private int _length = -1;
    private Http1Limits _limits;
    private THead? _parsed;
    private bool _parsedKept;

    /// <summary>Heads answered from the kept head since this memo was made (diagnostics).</summary>
    public long Replays { get; private set; }

    /// <summary>
    /// Fills <paramref name="head"/> from the kept head when <paramref name="buffer"/> starts with its
    /// bytes and the limits are as they were; <paramref name="length"/> is then the head's length.
    /// </summary>
    internal bool TryReplay(in ReadOnlySequence<byte> buffer, THead head, in Http1Limits limits, out int length)
    {
        length = _length;
        if (!_parsedKept)
        {
            return false;
        }

        var first = buffer.FirstSpan;
        if (first.Length < length || !first[..length].SequenceEqual(_bytes.AsSpan(0, length)) || !SameLimits(limits))
        {
            return false;
        }

        head.CopyFrom(_parsed!);
        Replays++;
        return true;
    }

    /// <summary>After a head parsed without error from <paramref name="bytes"/>: remembers them, or keeps the head when they repeat the last ones.</summary>
    internal void Remember(in ReadOnlySequence<byte> bytes, THead parsed, in Http1Limits limits)
    {
        if (bytes.Length > MaxHeadLength)
        {
            Forget();
            return;
        }

        var length = (int)bytes.Length;
        if (length == _length && SameLimits(limits) && Matches(bytes))
        {
            (_parsed ??= new THead()).CopyFrom(parsed);
            _parsedKept = true;
            return;
        }

        bytes.CopyTo(_bytes);
        _length = length;
        _limits = limits;
        _parsedKept = false;
    }

    /// <summary>Nothing remembered.</summary>
    public void Forget()
    {
        _length = -1;
        _parsedKept = false;
    }

    /// <summary>All of the limits, compared as bytes: the record's own equality goes through a comparer per member.</summary>
    private bool SameLimits(in Http1Limits limits)
        => MemoryMarshal.AsBytes(new ReadOnlySpan<Http1Limits>(in limits)).SequenceEqual(MemoryMarshal.AsBytes(new ReadOnlySpan<Http1Limits>(in _limits)));

    private bool Matches(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            return bytes.FirstSpan.SequenceEqual(_bytes.AsSpan(0, _length));
        }

        var offset = 0;
        foreach (var segment in bytes)
        {
            if (!segment.Span.SequenceEqual(_bytes.AsSpan(offset, segment.Length)))
            {
                return false;
            }

            offset += segment.Length;
        }

        return true;
    }
}
