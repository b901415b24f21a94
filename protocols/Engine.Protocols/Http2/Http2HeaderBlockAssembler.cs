using System.Buffers;

namespace Engine.Protocols.Http2;

/// <summary>
/// Joins a field block sent as HEADERS + CONTINUATION frames and enforces what spans those frames
/// (RFC 9113 §4.3, §6.10): once a HEADERS frame without END_HEADERS arrives, every next frame MUST
/// be a CONTINUATION of the same stream (any other frame, extension frames included, is a connection
/// error PROTOCOL_ERROR), and a CONTINUATION with no block open is one too. The CONTINUATION-flood
/// defence (robustness.md §2.3) lives here as well: at most <see cref="Http2Limits.MaxContinuationFrames"/>
/// frames and <see cref="Http2Limits.MaxHeaderBlockBytes"/> encoded bytes per block, so memory stays
/// bounded however long the peer keeps the block open.
/// <para>
/// The common case — one HEADERS frame with END_HEADERS in one pipe segment — is not copied: the
/// block is the frame's own payload. One instance per connection; it grows its buffer at most to the
/// block limit and keeps it.
/// </para>
/// </summary>
public sealed class Http2HeaderBlockAssembler(in Http2Limits limits)
{
    private readonly int _maxBlockBytes = limits.MaxHeaderBlockBytes;
    private readonly int _maxContinuations = limits.MaxContinuationFrames;
    private byte[] _buffer = [];
    private int _length;
    private int _continuations;
    private ReadOnlyMemory<byte> _direct;
    private bool _isDirect;

    /// <summary>A HEADERS frame without END_HEADERS was seen and its CONTINUATIONs are awaited.</summary>
    public bool InProgress { get; private set; }

    /// <summary>A complete block is waiting to be decoded (<see cref="Block"/>).</summary>
    public bool IsComplete { get; private set; }

    /// <summary>Stream of the block in progress or complete.</summary>
    public int StreamId { get; private set; }

    /// <summary>END_STREAM of the HEADERS frame that started the block (CONTINUATION carries none, §6.10).</summary>
    public bool EndStream { get; private set; }

    /// <summary>The complete, joined field block. Valid until <see cref="Reset"/> and, when it is the frame's own payload, until the input is advanced.</summary>
    public ReadOnlySpan<byte> Block => _isDirect ? _direct.Span : _buffer.AsSpan(0, _length);

    /// <summary>
    /// Call for every frame before acting on it: a connection error when the frame breaks the
    /// contiguity of an open block (§6.10), or is a CONTINUATION that belongs to no block.
    /// </summary>
    public Http2Error CheckSequence(in Http2FrameHeader header)
    {
        if (InProgress)
        {
            return header.Type == Http2FrameType.Continuation && header.StreamId == StreamId
                ? Http2Error.None
                : Http2Error.HeaderBlockInterrupted;
        }

        return header.Type == Http2FrameType.Continuation ? Http2Error.UnexpectedContinuation : Http2Error.None;
    }

    /// <summary>
    /// Adds a HEADERS or CONTINUATION frame (already passed <see cref="CheckSequence"/>). When it ends
    /// the block, <see cref="IsComplete"/> turns true: decode <see cref="Block"/>, then <see cref="Reset"/>.
    /// </summary>
    public Http2Error Add(in Http2Frame frame)
    {
        var error = CheckSequence(frame.Header);
        if (error != Http2Error.None)
        {
            return error;
        }

        if (frame.Type == Http2FrameType.Headers)
        {
            StreamId = frame.StreamId;
            EndStream = frame.EndStream;
            _length = 0;
            _continuations = 0;
            if (frame.EndHeaders && frame.Payload.IsSingleSegment)
            {
                _direct = frame.Payload.First;
                _isDirect = true;
                IsComplete = true;
                return Http2Error.None;
            }
        }
        else if (++_continuations > _maxContinuations)
        {
            return Http2Error.TooManyContinuationFrames;
        }

        if (_length + frame.Payload.Length > _maxBlockBytes)
        {
            return Http2Error.HeaderBlockTooLarge;
        }

        Append(frame.Payload);
        _isDirect = false;
        InProgress = !frame.EndHeaders;
        IsComplete = frame.EndHeaders;
        return Http2Error.None;
    }

    /// <summary>Forgets the block (after decoding it, or when the connection is reused).</summary>
    public void Reset()
    {
        InProgress = false;
        IsComplete = false;
        _isDirect = false;
        _direct = default;
        _length = 0;
        _continuations = 0;
    }

    private void Append(in ReadOnlySequence<byte> fragment)
    {
        var needed = _length + (int)fragment.Length;
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_maxBlockBytes, Math.Max(needed, Math.Max(4096, _buffer.Length * 2))));
        }

        fragment.CopyTo(_buffer.AsSpan(_length));
        _length = needed;
    }
}
