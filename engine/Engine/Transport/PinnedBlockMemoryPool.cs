using System.Buffers;
using System.Collections.Concurrent;

namespace Engine.Transport;

/// <summary>
/// Fixed-size blocks on the pinned object heap, reused through a lock-free queue.
/// </summary>
/// <remarks>
/// Why not MemoryPool&lt;byte&gt;.Shared: a hand-built socket transport gets the unpinned,
/// ArrayPool-backed pool; with 64 KiB responses that made ~44 KB of garbage per request and
/// gen1 GCs (28.6 CPU-s per 100k requests). Pinned 32 KiB blocks: 6.5 — and 8× fewer send/recv
/// syscalls than 4 KiB blocks (DESIGN.md "What we measured"). The pool keeps at most
/// <see cref="_maxRetained"/> free blocks so a burst does not pin memory for ever.
/// <para>
/// An epoll loop thread also keeps a few free blocks of its own (<see cref="LoopCache"/>): a
/// connection's pipe gives its block back when drained and takes one on its next message, on the
/// same thread, and the shared queue's dequeue and enqueue were ~240 instructions of that round
/// trip, four per proxied HTTP/1.1 request (callgrind).
/// </para>
/// </remarks>
internal sealed class PinnedBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>Free blocks a loop thread keeps for itself: 256 KiB of 32 KiB blocks per loop.</summary>
    private const int LoopCacheBlocks = 8;

    [ThreadStatic]
    private static LoopCache? t_loopCache;

    private readonly ConcurrentQueue<Block> _free = new();
    private readonly int _blockSize;
    private readonly int _maxRetained;
    private int _retained;
    private bool _disposed;

    public PinnedBlockMemoryPool(int blockSize, int maxRetainedBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1024);
        _blockSize = blockSize;
        _maxRetained = maxRetainedBlocks;
    }

    public override int MaxBufferSize => _blockSize;

    /// <summary>Blocks currently parked in the pool (for tests and /stats).</summary>
    public int RetainedBlocks => Volatile.Read(ref _retained);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > _blockSize)
        {
            // Pipes never ask for more than a block; anything bigger is a one-off, not pooled.
            return new Block(null, GC.AllocateUninitializedArray<byte>(minBufferSize, pinned: true));
        }

        if (t_loopCache is { } cache && cache.Pool == this && cache.Count > 0)
        {
            var cached = cache.Blocks[--cache.Count]!;
            cache.Blocks[cache.Count] = null;
            cached.Leased = true;
            return cached;
        }

        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _retained);
            block.Leased = true;
            return block;
        }

        return new Block(this, GC.AllocateUninitializedArray<byte>(_blockSize, pinned: true)) { Leased = true };
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    private void Return(Block block)
    {
        if (!_disposed && Epoll.EpollLoop.Current is not null)
        {
            var cache = t_loopCache ??= new LoopCache();
            if (cache.Count == 0)
            {
                cache.Pool = this; // a loop serves one transport's connections; the last pool wins
            }

            if (cache.Pool == this && cache.Count < LoopCacheBlocks)
            {
                cache.Blocks[cache.Count++] = block;
                return;
            }
        }

        if (_disposed || Interlocked.Increment(ref _retained) > _maxRetained)
        {
            Interlocked.Decrement(ref _retained);
            return; // let the GC have it
        }

        _free.Enqueue(block);
    }

    private sealed class Block : IMemoryOwner<byte>
    {
        private readonly PinnedBlockMemoryPool? _pool;

        public Block(PinnedBlockMemoryPool? pool, byte[] array)
        {
            _pool = pool;

            // Marked as pinned, so Memory.Pin() (a socket send of several segments) is a pointer
            // and not a GCHandle per segment per send.
            Memory = System.Runtime.InteropServices.MemoryMarshal.CreateFromPinnedArray(array, 0, array.Length);
        }

        public bool Leased { get; set; }

        public Memory<byte> Memory { get; }

        public void Dispose()
        {
            // A block returned twice would be handed to two owners at once: ignore the second.
            if (!Leased)
            {
                return;
            }

            Leased = false;
            _pool?.Return(this);
        }
    }

    /// <summary>A loop thread's own free blocks, of one pool.</summary>
    private sealed class LoopCache
    {
        public readonly Block?[] Blocks = new Block?[LoopCacheBlocks];
        public PinnedBlockMemoryPool? Pool;
        public int Count;
    }
}
