using System.Buffers;
using Engine.Protocols.Tests.Http1;
using Engine.Proxy;
using Engine.Tests.Transport;

namespace Engine.Tests.Proxy;

/// <summary>
/// The copy of a streamed request body kept for a retry: it takes reads of any shape across pooled
/// blocks, refuses a read that would pass its limit (keeping what it had), reads back as one
/// sequence equal to what went in, and gives every block back when cleared.
/// </summary>
public sealed class ReplayCopyTests
{
    private const int Block = 4096;

    [Fact]
    public void Reads_AcrossBlocks_ReadBackWhole_AndEveryBlockGoesBack()
    {
        var pool = new CountingPool(Block);
        var copy = new ReplayCopy();
        var body = new byte[10_000];
        new Random(1).NextBytes(body);

        // Reads of odd sizes, one of them in two segments, as a stream's pipe hands them over.
        Assert.True(copy.TryAppend(new ReadOnlySequence<byte>(body.AsMemory(0, 1000)), 1 << 20, pool));
        Assert.True(copy.TryAppend(Sequences.Split(body[1000..7000], 3500), 1 << 20, pool));
        Assert.True(copy.TryAppend(new ReadOnlySequence<byte>(body.AsMemory(7000)), 1 << 20, pool));

        Assert.Equal(body.Length, copy.Length);
        Assert.Equal(body, copy.AsSequence().ToArray());
        Assert.Equal(body, copy.AsSequence().ToArray()); // read again: the same bytes
        Assert.Equal(3, pool.Outstanding);

        copy.Clear();
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(0, copy.Length);
        Assert.True(copy.AsSequence().IsEmpty);
    }

    [Fact]
    public void AReadPastTheLimit_IsRefused_AndTheCopyKeepsWhatItHad()
    {
        var pool = new CountingPool(Block);
        var copy = new ReplayCopy();

        Assert.True(copy.TryAppend(new ReadOnlySequence<byte>(new byte[6000]), 8000, pool));
        Assert.False(copy.TryAppend(new ReadOnlySequence<byte>(new byte[2001]), 8000, pool));
        Assert.Equal(6000, copy.Length);
        Assert.True(copy.TryAppend(new ReadOnlySequence<byte>(new byte[2000]), 8000, pool));
        Assert.Equal(8000, copy.Length);

        copy.Clear();
        Assert.Equal(0, pool.Outstanding);
    }
}
