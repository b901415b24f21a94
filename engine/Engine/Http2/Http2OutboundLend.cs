using System.Buffers;
using Engine.Async;

namespace Engine.Http2;

/// <summary>
/// A stream's lent outbound body (<see cref="Http2Stream.LendAsync"/>): bytes the owner
/// still holds in its own buffer (a proxied answer in the upstream connection's input), which the
/// writer frames as DATA straight from there, and the wait that tells the owner when it may have
/// its buffer back. One per stream object, made on first use and kept across reuse, so a lend
/// allocates nothing.
/// </summary>
internal sealed class Http2OutboundLend
{
    private readonly ReusableSignal<bool> _returned = new();

    /// <summary>What is lent (lock to start and end; the writer reads it while pinned).</summary>
    public ReadOnlySequence<byte> Data;

    /// <summary>Bytes of <see cref="Data"/> already framed (the writer only).</summary>
    public long Sent;

    /// <summary>The message ends with the lent bytes: the last of them carries END_STREAM.</summary>
    public bool EndsMessage;

    /// <summary>A lend is out: the owner waits, and the writer may read <see cref="Data"/> (lock).</summary>
    public bool Active;

    /// <summary>Starts a lend (lock, with <see cref="Active"/> false); the owner awaits the task.</summary>
    public ValueTask<bool> Begin(in ReadOnlySequence<byte> data, bool endsMessage)
    {
        Data = data;
        Sent = 0;
        EndsMessage = endsMessage;
        Active = true;
        return _returned.Arm();
    }

    /// <summary>Ends the lend (lock): the writer lets go of the buffer. Complete the wait after the lock.</summary>
    public void EndLocked()
    {
        Active = false;
        Data = default;
        Sent = 0;
    }

    /// <summary>Wakes the owner (outside the lock): true when every byte went out, false when the stream is gone.</summary>
    public void Complete(bool sent) => _returned.Set(sent);
}
