using System.Buffers;
using System.Runtime.InteropServices;

namespace Engine.Transport.Epoll;

/// <summary>
/// One pooled block of a <see cref="SocketPipe"/>'s chain. <see cref="ReadOnlySequenceSegment{T}.RunningIndex"/>
/// is the absolute offset (bytes ever written to the pipe) of the block's first byte, so a
/// position anywhere in the chain is <c>RunningIndex + index</c>.
/// </summary>
internal sealed class SocketPipeSegment : ReadOnlySequenceSegment<byte>
{
    private IMemoryOwner<byte>? _owner;

    /// <summary>The whole block; <see cref="ReadOnlySequenceSegment{T}.Memory"/> is all of it while the segment is the write head, its written part after.</summary>
    public Memory<byte> Block { get; private set; }

    public SocketPipeSegment? NextSegment => (SocketPipeSegment?)Next;

    /// <summary>The next released shell in the pipe's spare list.</summary>
    public SocketPipeSegment? NextSpare { get; set; }

    /// <summary>The block is someone else's, lent (<see cref="SocketPipe.LendAsync"/>): read only, never written or rewound.</summary>
    public bool Foreign { get; private set; }

    public void Lease(IMemoryOwner<byte> owner, long runningIndex)
    {
        Foreign = false;
        _owner = owner;
        Block = owner.Memory;
        Memory = Block;
        RunningIndex = runningIndex;
        Next = null;
    }

    /// <summary>Lent bytes the pipe only reads; the lender keeps them valid until they are consumed.</summary>
    public void LeaseForeign(ReadOnlyMemory<byte> lent, long runningIndex)
    {
        Foreign = true;
        _owner = null;
        Block = MemoryMarshal.AsMemory(lent); // never written: the write index starts at its end
        Memory = Block;
        RunningIndex = runningIndex;
        Next = null;
    }

    /// <summary>
    /// Lent bytes become the pipe's own (<see cref="SocketPipe.Redeem"/>): copied to the start of
    /// <paramref name="owner"/>'s block, at the same length, so positions into this segment hold.
    /// A write head keeps its whole block for the writer, as a leased one does.
    /// </summary>
    public void Adopt(IMemoryOwner<byte> owner, bool isWriteHead)
    {
        var length = Memory.Length;
        Memory.Span.CopyTo(owner.Memory.Span);
        Foreign = false;
        _owner = owner;
        Block = owner.Memory;
        Memory = isWriteHead ? Block : Block[..length];
    }

    /// <summary>The writer moved on to a new block: what the reader sees of this one ends at <paramref name="written"/>.</summary>
    public void Seal(int written, SocketPipeSegment next)
    {
        Memory = Block[..written];
        Next = next;
    }

    /// <summary>Reuse of a drained block from its start: positions stay absolute.</summary>
    public void Rewind(long runningIndex) => RunningIndex = runningIndex;

    /// <summary>Gives the block back to its pool; the shell may be leased again.</summary>
    public void Release()
    {
        var owner = _owner;
        _owner = null;
        Foreign = false;
        Block = default;
        Memory = default;
        Next = null;
        owner?.Dispose();
    }
}
