using System.Buffers;
using System.Net.Sockets;
using Engine.Http2;
using Engine.Transport.Epoll;
using Microsoft.AspNetCore.Connections;

namespace Engine.Tests.Transport;

/// <summary>
/// Work deferred to the end of an event loop's batch, and the HTTP/2 writer signal that uses it:
/// on a loop thread a wake waits until the code that caused it has returned to the loop, so the
/// writer sees every stream that became ready in the batch at once.
/// </summary>
public sealed class EpollBatchEndTests
{
    [Fact]
    public void OffTheLoop_NothingIsDeferred()
    {
        var work = new RecordingWork();

        Assert.False(EpollLoop.TryDeferToBatchEnd(work));
        Assert.Equal(0, work.Runs);
    }

    [Fact]
    public async Task OnTheLoop_DeferredWork_RunsAfterTheHandlerReturns_OnTheSameThread()
    {
        var work = new RecordingWork();
        var observed = new TaskCompletionSource<(bool Deferred, int RunsBeforeReturn, int Thread)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            await WhenOnTheLoopAsync(connection, () =>
            {
                var deferred = EpollLoop.TryDeferToBatchEnd(work);
                observed.SetResult((deferred, work.Runs, Environment.CurrentManagedThreadId));
            }).ConfigureAwait(false);
        });
        using var client = await harness.ConnectSocketAsync();

        await NudgeUntilAsync(client, observed.Task);
        var (wasDeferred, runsBeforeReturn, handlerThread) = await observed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(wasDeferred);
        var ranOn = await work.Ran.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, runsBeforeReturn);
        Assert.Equal(handlerThread, ranOn);
        Assert.Equal(1, work.Runs);
    }

    [Fact]
    public async Task WriterSignal_SetTwiceOnTheLoop_WakesTheWaiterOnce_AfterTheSetterReturns()
    {
        var signal = new Http2Signal();
        var wakes = 0;
        var woken = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiter = WaitAsync();
        var observed = new TaskCompletionSource<(int WakesRightAfterSet, int Thread)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            await WhenOnTheLoopAsync(connection, () =>
            {
                signal.Set();
                signal.Set();
                observed.SetResult((Volatile.Read(ref wakes), Environment.CurrentManagedThreadId));
            }).ConfigureAwait(false);
        });
        using var client = await harness.ConnectSocketAsync();

        await NudgeUntilAsync(client, observed.Task);
        var (wakesRightAfterSet, setterThread) = await observed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var wokenOn = await woken.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(0, wakesRightAfterSet); // not inline: at the end of the batch
        Assert.Equal(setterThread, wokenOn);
        Assert.Equal(1, Volatile.Read(ref wakes));
        Assert.True(signal.WaitAsync().IsCompleted is false, "the second Set was absorbed by the queued wake, not remembered");
        GC.KeepAlive(waiter);

        async Task WaitAsync()
        {
            await signal.WaitAsync().ConfigureAwait(false);
            Interlocked.Increment(ref wakes);
            woken.SetResult(Environment.CurrentManagedThreadId);
        }
    }

    [Fact]
    public async Task WriterSignal_SetOffTheLoop_WakesTheWaiterInline()
    {
        var signal = new Http2Signal();
        var thread = -1;
        var waiter = WaitAsync();

        signal.Set();

        Assert.True(waiter.IsCompleted);
        Assert.Equal(Environment.CurrentManagedThreadId, thread);
        await waiter;

        async Task WaitAsync()
        {
            await signal.WaitAsync().ConfigureAwait(false);
            thread = Environment.CurrentManagedThreadId;
        }
    }

    [Fact]
    public async Task FlushOnTheLoop_SendsAtBatchEnd_NotInsideTheFlush()
    {
        var observed = new TaskCompletionSource<(bool FlushCompleted, int BytesAtPeerAfterFlush)>(TaskCreationOptions.RunContinuationsAsynchronously);
        Socket? client = null;
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            await WhenOnTheLoopAsync(connection, () =>
            {
                connection.Transport.Output.Write("answer"u8);
                var flush = connection.Transport.Output.FlushAsync();

                // Loopback delivers inside sendto: had the flush sent, the peer would hold the bytes now.
                observed.SetResult((flush.IsCompletedSuccessfully, client!.Available));
            }).ConfigureAwait(false);
        });
        client = await harness.ConnectSocketAsync();
        using var disposeClient = client;

        await NudgeUntilAsync(client, observed.Task);
        var (flushCompleted, bytesAtPeerAfterFlush) = await observed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(flushCompleted, "under the pause threshold a flush completes at once");
        Assert.Equal(0, bytesAtPeerAfterFlush);
        Assert.Equal("answer", await ReceiveTextAsync(client, "answer".Length));
    }

    [Fact]
    public async Task FlushOffTheLoop_SendsInsideTheFlush()
    {
        var observed = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connected = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            var client = await connected.Task.ConfigureAwait(false);
            await Task.Run(async () =>
            {
                Assert.Null(EpollLoop.Current);
                connection.Transport.Output.Write("answer"u8);
                await connection.Transport.Output.FlushAsync().ConfigureAwait(false);
                observed.SetResult(client.Available);
            }).ConfigureAwait(false);
        });
        using var client = await harness.ConnectSocketAsync();
        connected.SetResult(client);

        var bytesAtPeerAfterFlush = await observed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("answer".Length, bytesAtPeerAfterFlush);
    }

    [Fact]
    public async Task FlushThenAbortOnTheLoop_TheFlushedBytesStillLeave()
    {
        var observed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            await WhenOnTheLoopAsync(connection, () =>
            {
                connection.Transport.Output.Write("partial"u8);
                _ = connection.Transport.Output.FlushAsync();
                connection.Abort(new ConnectionAbortedException("cut on purpose"));
                observed.SetResult();
            }).ConfigureAwait(false);
        });
        using var client = await harness.ConnectSocketAsync();

        await NudgeUntilAsync(client, observed.Task);
        await observed.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("partial", await ReceiveTextAsync(client, "partial".Length));
    }

    private static async Task<string> ReceiveTextAsync(Socket client, int length)
    {
        var buffer = new byte[length];
        var received = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (received < length)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                break;
            }

            received += n;
        }

        return System.Text.Encoding.ASCII.GetString(buffer, 0, received);
    }

    /// <summary>
    /// Reads until a read completes on the loop thread (a read whose bytes were already there
    /// completes on the caller's thread instead), then runs <paramref name="onTheLoop"/> right
    /// there, in the same step of the loop: after an await of our own it could run elsewhere.
    /// </summary>
    private static async Task WhenOnTheLoopAsync(ConnectionContext connection, Action onTheLoop)
    {
        while (true)
        {
            var read = await connection.Transport.Input.ReadAsync().ConfigureAwait(false);
            connection.Transport.Input.AdvanceTo(read.Buffer.End);
            if (EpollLoop.Current is not null)
            {
                onTheLoop();
                return;
            }

            if (read.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Sends a byte every 20 ms (at most 500) until the handler has observed what it was asked to.</summary>
    private static async Task NudgeUntilAsync(Socket client, Task observed)
    {
        for (var i = 0; i < 500 && !observed.IsCompleted; i++)
        {
            await client.SendAsync("x"u8.ToArray(), SocketFlags.None);
            await Task.WhenAny(observed, Task.Delay(20));
        }
    }

    private sealed class RecordingWork : IEpollBatchWork
    {
        private int _runs;

        public TaskCompletionSource<int> Ran { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Runs => Volatile.Read(ref _runs);

        public void OnBatchEnd()
        {
            Interlocked.Increment(ref _runs);
            Ran.TrySetResult(Environment.CurrentManagedThreadId);
        }
    }
}
