using System.Buffers;
using Engine.Transport;

namespace Engine.Tests.Transport;

/// <summary>The engine's pinned pool, counting the blocks out at once (the memory bound of back-pressure).</summary>
internal sealed class CountingPool : MemoryPool<byte>
{
    private readonly PinnedBlockMemoryPool _inner;
    private int _outstanding;
    private int _peak;

    public CountingPool(int blockSize) => _inner = new PinnedBlockMemoryPool(blockSize, 1024);

    public override int MaxBufferSize => _inner.MaxBufferSize;

    public int Outstanding => Volatile.Read(ref _outstanding);

    public int Peak => Volatile.Read(ref _peak);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        var now = Interlocked.Increment(ref _outstanding);
        var peak = Volatile.Read(ref _peak);
        while (now > peak && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
            peak = Volatile.Read(ref _peak);
        }

        return new Lease(this, _inner.Rent(minBufferSize));
    }

    protected override void Dispose(bool disposing) => _inner.Dispose();

    private sealed class Lease(CountingPool pool, IMemoryOwner<byte> inner) : IMemoryOwner<byte>
    {
        private int _disposed;

        public Memory<byte> Memory => inner.Memory;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref pool._outstanding);
                inner.Dispose();
            }
        }
    }
}
