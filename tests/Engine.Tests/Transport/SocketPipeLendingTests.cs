using System.Buffers;
using System.IO.Pipelines;
using Engine.Transport;
using Engine.Protocols.Tests.Http1;
using Engine.Transport.Epoll;

namespace Engine.Tests.Transport;

/// <summary>
/// A lend (<c>SocketPipe.LendAsync</c>, how a large proxied body reaches the socket without a copy):
/// the lent bytes follow what was written before them and precede what is written after, the
/// lender gets its buffer back only once the reader consumed past the last lent byte (or at once
/// when the reader is gone), and the pipe never writes into, rewinds or returns the lender's memory.
/// </summary>
public class SocketPipeLendingTests
{
    private const int Block = 4096;

    [Fact]
    public async Task LentBytes_FollowTheHead_PrecedeLaterWrites_AndReturnOnlyWhenConsumed()
    {
        var pool = new CountingPool(Block);
        var pipe = Create(pool);
        var lent = PipeReading.Pattern(10_000, seed: 3);
        var lentCopy = lent.ToArray();

        Write(pipe, "HEAD:"u8);
        var returned = ((IOutboundLender)pipe.Writer).LendAsync(Segmented(lent, 3001), endsMessage: true);
        Assert.False(returned.IsCompleted);

        // The reader sees head and lent bytes at once (a lend flushes), and consumes part of them.
        var read = await pipe.Reader.ReadAsync();
        Assert.Equal(5 + lent.Length, read.Buffer.Length);
        Assert.Equal([.. "HEAD:"u8, .. lent], read.Buffer.ToArray());
        pipe.Reader.AdvanceTo(read.Buffer.GetPosition(5 + 6000));
        Assert.False(returned.IsCompleted, "returned while 4,000 lent bytes were unread");

        // Writes after the lend queue behind it.
        Write(pipe, ":TAIL"u8);
        await pipe.Writer.FlushAsync();
        read = await pipe.Reader.ReadAsync();
        Assert.Equal([.. lent.AsSpan(6000).ToArray(), .. ":TAIL"u8], read.Buffer.ToArray());
        pipe.Reader.AdvanceTo(read.Buffer.GetPosition(4000));
        Assert.True(returned.IsCompleted);
        Assert.True(await returned);

        pipe.Reader.AdvanceTo(read.Buffer.End);
        Assert.Equal(lentCopy, lent); // never written into
    }

    [Fact]
    public async Task AfterALend_TheNextWritesGoToPoolBlocks_NotTheLendersMemory()
    {
        var pool = new CountingPool(Block);
        var pipe = Create(pool);
        var lent = PipeReading.Pattern(Block, seed: 5);
        var lentCopy = lent.ToArray();

        var returned = pipe.LendAsync(new ReadOnlySequence<byte>(lent));
        var read = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(read.Buffer.End);
        Assert.True(await returned);

        // The drained chain ends in the lent shell: a write must not rewind it and write there.
        for (var round = 0; round < 3; round++)
        {
            Write(pipe, new byte[100]);
            await pipe.Writer.FlushAsync();
            read = await pipe.Reader.ReadAsync();
            Assert.Equal(100, read.Buffer.Length);
            pipe.Reader.AdvanceTo(read.Buffer.End);
        }

        Assert.Equal(lentCopy, lent);
        Assert.True(pool.Outstanding <= 1, $"{pool.Outstanding} blocks leased by a drained pipe");
    }

    [Fact]
    public async Task ALendOnADrainedPipe_ThenAnotherLend_EachReturnsInTurn()
    {
        var pool = new CountingPool(Block);
        var pipe = Create(pool);
        var received = new List<byte>();
        var expected = new List<byte>();
        for (var i = 0; i < 5; i++)
        {
            var lent = PipeReading.Pattern(1000 + (i * 2500), seed: i);
            expected.AddRange(lent);
            var returned = pipe.LendAsync(Segmented(lent, 1777));
            var read = await pipe.Reader.ReadAsync();
            received.AddRange(read.Buffer.ToArray());
            pipe.Reader.AdvanceTo(read.Buffer.End);
            Assert.True(await returned);
        }

        Assert.Equal(expected, received);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task TheReaderGoes_ALendOut_ReturnsUnsent_AndLaterLendsReturnAtOnce()
    {
        var pipe = Create(new CountingPool(Block));
        var returned = pipe.LendAsync(new ReadOnlySequence<byte>(new byte[5000]));
        var read = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(read.Buffer.GetPosition(100));
        Assert.False(returned.IsCompleted);

        await pipe.Reader.CompleteAsync();
        Assert.False(await returned);
        Assert.False(await pipe.LendAsync(new ReadOnlySequence<byte>(new byte[10])));
    }

    [Fact]
    public void ASecondLendWhileOneIsOut_IsRefused()
    {
        var pipe = Create(new CountingPool(Block));
        _ = pipe.LendAsync(new ReadOnlySequence<byte>(new byte[10]));
        Assert.Throws<InvalidOperationException>(() => pipe.LendAsync(new ReadOnlySequence<byte>(new byte[10])));
    }

    [Fact]
    public async Task AWaitingReader_IsWokenByALend()
    {
        var pipe = Create(new CountingPool(Block));
        var reading = pipe.Reader.ReadAsync();
        Assert.False(reading.IsCompleted);

        var returned = pipe.LendAsync(new ReadOnlySequence<byte>(new byte[700]));
        var read = await reading;
        Assert.Equal(700, read.Buffer.Length);
        pipe.Reader.AdvanceTo(read.Buffer.End);
        Assert.True(await returned);
    }

    [Fact]
    public async Task ARedeemedLend_ReturnsAtOnce_AndTheReaderStillGetsTheBytesAfterTheLenderReusedItsMemory()
    {
        var pool = new CountingPool(Block);
        var pipe = Create(pool);
        var lent = PipeReading.Pattern(10_000, seed: 7);
        var expected = lent.ToArray();

        Write(pipe, "HEAD:"u8);
        var returned = ((IRedeemableLender)pipe.Writer).LendAsync(Segmented(lent, 3001), endsMessage: true);
        var read = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(read.Buffer.GetPosition(5 + 2500)); // a part went out
        Assert.False(returned.IsCompleted);

        ((IRedeemableLender)pipe.Writer).Redeem();
        Assert.True(returned.IsCompleted, "a redeemed lend did not return at once");
        Assert.True(await returned);
        Array.Fill(lent, (byte)'X'); // the lender has its memory back and writes over it

        Write(pipe, ":TAIL"u8);
        await pipe.Writer.FlushAsync();
        read = await pipe.Reader.ReadAsync();
        Assert.Equal([.. expected.AsSpan(2500).ToArray(), .. ":TAIL"u8], read.Buffer.ToArray());
        pipe.Reader.AdvanceTo(read.Buffer.End);
        await pipe.Reader.CompleteAsync();
        await pipe.Writer.CompleteAsync();
        Assert.Equal(0, pool.Outstanding); // the blocks the copies went into were given back
    }

    [Fact]
    public async Task ARedeemWhileTheReaderHoldsTheBytes_WaitsForItsAdvance()
    {
        var pipe = Create(new CountingPool(Block));
        var lent = PipeReading.Pattern(6000, seed: 9);
        var expected = lent.ToArray();
        var returned = pipe.LendAsync(new ReadOnlySequence<byte>(lent));

        // A send in progress: the reader holds a result that points into the lender's memory.
        var read = await pipe.Reader.ReadAsync();
        ((IRedeemableLender)pipe.Writer).Redeem();
        Assert.False(returned.IsCompleted, "returned while the reader could still be sending from the lender's memory");
        Assert.Equal(expected, read.Buffer.ToArray());

        pipe.Reader.AdvanceTo(read.Buffer.GetPosition(1000));
        Assert.True(await returned);
        Array.Fill(lent, (byte)'X');

        read = await pipe.Reader.ReadAsync();
        Assert.Equal(expected.AsSpan(1000).ToArray(), read.Buffer.ToArray());
        pipe.Reader.AdvanceTo(read.Buffer.End);
    }

    [Fact]
    public async Task ARedeemedLendAtTheWriteHead_LeavesTheWriterItsBlock_AndNoLendOut()
    {
        var pipe = Create(new CountingPool(Block));
        var lent = PipeReading.Pattern(300, seed: 11);
        var expected = lent.ToArray();
        var returned = pipe.LendAsync(new ReadOnlySequence<byte>(lent));
        pipe.Redeem();
        Assert.True(await returned);
        pipe.Redeem(); // nothing out: nothing happens

        Write(pipe, "after"u8);
        await pipe.Writer.FlushAsync();
        var read = await pipe.Reader.ReadAsync();
        Assert.Equal([.. expected, .. "after"u8], read.Buffer.ToArray());
        pipe.Reader.AdvanceTo(read.Buffer.End);

        // Another lend may go out now, and returns when consumed as usual.
        var again = pipe.LendAsync(new ReadOnlySequence<byte>(new byte[50]));
        read = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(read.Buffer.End);
        Assert.True(await again);
    }

    private static SocketPipe Create(MemoryPool<byte> pool)
        => new(new PipeOptions(pool, PipeScheduler.Inline, PipeScheduler.Inline, 64 * 1024, 32 * 1024, Block, useSynchronizationContext: false));

    private static void Write(SocketPipe pipe, ReadOnlySpan<byte> bytes)
    {
        var memory = pipe.Writer.GetMemory(bytes.Length);
        bytes.CopyTo(memory.Span);
        pipe.Writer.Advance(bytes.Length);
    }

    /// <summary>The bytes as a sequence of <paramref name="size"/>-byte segments (the shape of an upstream's input).</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int size)
        => Sequences.Split(bytes, [.. Enumerable.Range(1, (bytes.Length - 1) / size).Select(i => i * size)]);
}
