using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Engine.Transport;

/// <summary>Hands Kestrel's socket transport our pinned pool instead of its default.</summary>
internal sealed class PinnedBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    private readonly int _blockSize;
    private readonly int _maxRetainedBlocks;

    public PinnedBlockMemoryPoolFactory(int blockSize, int maxRetainedBlocks)
    {
        _blockSize = blockSize;
        _maxRetainedBlocks = maxRetainedBlocks;
    }

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new PinnedBlockMemoryPool(_blockSize, _maxRetainedBlocks);
}
