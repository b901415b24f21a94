using System.Buffers;

namespace Engine.Protocols.Http;

/// <summary>
/// The bytes a connection's last head was parsed (or decoded) from and, once the same bytes came
/// twice in a row in the same context, the head they gave, to copy instead of parsing them again.
/// The core of <see cref="Http1.Http1HeadMemo{THead}"/> and <see cref="Http2.HeadBlockMemo{THead}"/>,
/// which say what else a parse depended on: the limits, and for HPACK the dynamic table. That goes
/// in as one number, the context; the owner forgets everything when a part of it that does not fit
/// in the number changes. Only heads that parsed without error may be remembered.
/// </summary>
public sealed class RepeatedHead<THead>
    where THead : HttpHead, new()
{
    /// <summary>
    /// Most a kept head may hold in its arena. A few bytes of HPACK can name large table entries, so
    /// a short block may decode to tens of KiB; keeping that for a connection's whole life would let
    /// every connection hold a second head's worth of memory beyond the one it uses.
    /// </summary>
    public const int MaxKeptArenaBytes = 4096;

    private readonly byte[] _bytes;
    private int _length = -1;
    private long _context;
    private THead? _kept;
    private bool _isKept;

    /// <param name="maxLength">Longer heads carry what changes from message to message (ids, cookies, literals): they are not remembered.</param>
    public RepeatedHead(int maxLength) => _bytes = new byte[maxLength];

    /// <summary>Heads copied from the kept one since this was made (diagnostics).</summary>
    public long Replays { get; private set; }

    /// <summary>The kept head's bytes when one is kept in <paramref name="context"/>, else empty.</summary>
    internal ReadOnlySpan<byte> KeptBytes(long context) => _isKept && context == _context ? _bytes.AsSpan(0, _length) : default;

    /// <summary>Makes <paramref name="head"/> the kept head (after <see cref="KeptBytes"/> matched).</summary>
    internal void CopyKeptTo(THead head)
    {
        head.CopyFrom(_kept!);
        Replays++;
    }

    /// <summary>After a head parsed without error from <paramref name="bytes"/>: remembers them, or keeps the head when they repeat the last ones.</summary>
    internal void Remember(ReadOnlySpan<byte> bytes, long context, THead parsed)
    {
        if (bytes.Length > _bytes.Length)
        {
            Forget();
        }
        else if (context == _context && _length >= 0 && bytes.SequenceEqual(_bytes.AsSpan(0, _length)))
        {
            Keep(parsed);
        }
        else
        {
            Store(bytes, context);
        }
    }

    /// <summary><see cref="Remember(ReadOnlySpan{byte}, long, THead)"/> for bytes that may span segments.</summary>
    internal void Remember(in ReadOnlySequence<byte> bytes, long context, THead parsed)
    {
        if (bytes.IsSingleSegment)
        {
            Remember(bytes.FirstSpan, context, parsed);
        }
        else if (bytes.Length > _bytes.Length)
        {
            Forget();
        }
        else if (context == _context && bytes.Length == _length && Matches(bytes))
        {
            Keep(parsed);
        }
        else
        {
            bytes.CopyTo(_bytes);
            Stored((int)bytes.Length, context);
        }
    }

    /// <summary>Nothing remembered.</summary>
    public void Forget()
    {
        _length = -1;
        _isKept = false;
    }

    private void Keep(THead parsed)
    {
        if (parsed.ArenaLength > MaxKeptArenaBytes)
        {
            Forget();
            return;
        }

        (_kept ??= new THead()).CopyFrom(parsed);
        _isKept = true;
    }

    private void Store(ReadOnlySpan<byte> bytes, long context)
    {
        bytes.CopyTo(_bytes);
        Stored(bytes.Length, context);
    }

    private void Stored(int length, long context)
    {
        _length = length;
        _context = context;
        _isKept = false;
    }

    private bool Matches(in ReadOnlySequence<byte> bytes)
    {
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
