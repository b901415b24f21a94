using Engine.Protocols.Http2;

namespace Engine.Http2;

/// <summary>
/// The last closed streams of a connection with their final state, so a frame that arrives for one
/// soon after it closed is judged by RFC 9113 §5.1 rather than forgotten: after our RST_STREAM
/// everything is ignored (the peer may have sent before it saw it, "MUST ignore"); after a normal
/// close DATA or HEADERS is a stream error STREAM_CLOSED. Older streams fall out of the ring and are
/// judged by <see cref="Http2StreamIds"/> (ignored, as nghttp2 does). Fixed size, no allocation.
/// </summary>
internal sealed class Http2ClosedStreams
{
    private const int Capacity = 128;

    private readonly int[] _ids = new int[Capacity];
    private readonly Http2StreamStateMachine[] _states = new Http2StreamStateMachine[Capacity];
    private int _next;

    public void Add(int streamId, in Http2StreamStateMachine state)
    {
        _ids[_next] = streamId;
        _states[_next] = state;
        _next = (_next + 1) % Capacity;
    }

    /// <summary>The remembered state of <paramref name="streamId"/>, or -1 when it is not remembered.</summary>
    public int IndexOf(int streamId)
    {
        if (streamId == 0)
        {
            return -1;
        }

        return _ids.AsSpan().IndexOf(streamId); // vectorized: every new stream's HEADERS asks
    }

    public ref Http2StreamStateMachine StateAt(int index) => ref _states[index];

    public void Clear()
    {
        Array.Clear(_ids);
        _next = 0;
    }
}
