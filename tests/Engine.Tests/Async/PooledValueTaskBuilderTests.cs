using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Engine.Async;

namespace Engine.Tests.Async;

/// <summary>
/// The pooled async builder: results, exceptions and execution context behave as with the
/// runtime's builders, and once warm, many calls suspended at once allocate nothing.
/// </summary>
public sealed class PooledValueTaskBuilderTests
{
    [Fact]
    public async Task SynchronousAndSuspendedCalls_ReturnTheirResults()
    {
        Assert.Equal(7, await AddOneAsync(6, gate: null));

        var gate = new Gate();
        var pending = AddOneAsync(41, gate);
        Assert.False(pending.IsCompleted);
        gate.Open();
        Assert.Equal(42, await pending);
    }

    [Fact]
    public async Task Exceptions_BeforeAndAfterSuspending_ReachTheCaller()
    {
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await ThrowAsync(gate: null));

        var gate = new Gate();
        var pending = ThrowAsync(gate);
        gate.Open();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await pending);
        Assert.Equal("after the await", e.Message);
    }

    [Fact]
    public async Task NonGenericMethods_CompleteAndFail()
    {
        var gate = new Gate();
        var pending = DoAsync(gate, fail: false);
        gate.Open();
        await pending;

        gate = new Gate();
        var failing = DoAsync(gate, fail: true);
        gate.Open();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await failing);
    }

    [Fact]
    public async Task AnAsyncLocal_FlowsAcrossTheAwait_AndDoesNotLeakIntoTheResumingThread()
    {
        var local = new AsyncLocal<string?>();
        var gate = new Gate();
        var pending = ReadLocalAfterAwaitAsync(local, gate);

        string? seenByTheOpener = "not run";
        var opener = new Thread(() =>
        {
            gate.Open(); // resumes the method on this thread, in the caller's context
            seenByTheOpener = local.Value;
        });
        opener.Start();
        opener.Join();

        Assert.Equal("set by the caller", await pending);
        Assert.Null(seenByTheOpener);
    }

    [Fact]
    public void ManySuspendedAtOnce_AllocateNothing_OnceWarm()
    {
        const int Calls = 200;
        var gates = new Gate[Calls];
        var pending = new ValueTask<int>[Calls];
        var results = new int[Calls];
        for (var i = 0; i < Calls; i++)
        {
            gates[i] = new Gate();
        }

        Round(); // warm: every box is made here
        var before = GC.GetAllocatedBytesForCurrentThread();
        Round();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The runtime's pooling builder keeps one box per thread and per core: 200 suspended calls
        // would allocate ~199 boxes (over 100 bytes each).
        Assert.True(allocated < 1024, $"{allocated} bytes allocated by {Calls} suspended calls");
        Assert.Equal(Enumerable.Range(1, Calls), results);

        void Round()
        {
            for (var i = 0; i < Calls; i++)
            {
                pending[i] = AddOneAsync(i, gates[i]);
            }

            for (var i = 0; i < Calls; i++)
            {
                gates[i].Open();
            }

            // No assertions in here: xunit's Assert.Equal allocates.
            for (var i = 0; i < Calls; i++)
            {
                results[i] = pending[i].IsCompletedSuccessfully ? pending[i].GetAwaiter().GetResult() : -1;
                gates[i].Reset();
            }
        }
    }

    [Fact]
    public async Task AwaitedTwice_Throws_AndTheBoxIsNotHandedOutTwice()
    {
        var gate = new Gate();
        var first = AddOneAsync(1, gate);
        gate.Open();
        Assert.Equal(2, await first);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await first);

        // Two calls suspended at once must not share a box (they would if the bad read had put
        // the box back in the pool again).
        gate.Reset();
        var other = new Gate();
        var a = AddOneAsync(10, gate);
        var b = AddOneAsync(20, other);
        other.Open();
        gate.Open();
        Assert.Equal(11, await a);
        Assert.Equal(21, await b);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<int> AddOneAsync(int value, Gate? gate)
    {
        if (gate is not null)
        {
            await gate.WaitAsync().ConfigureAwait(false);
        }

        return value + 1;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<int> ThrowAsync(Gate? gate)
    {
        if (gate is null)
        {
            throw new InvalidOperationException("before any await");
        }

        await gate.WaitAsync().ConfigureAwait(false);
        throw new InvalidOperationException("after the await");
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder))]
    private static async ValueTask DoAsync(Gate gate, bool fail)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        if (fail)
        {
            throw new InvalidOperationException("failed");
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskBuilder<>))]
    private static async ValueTask<string?> ReadLocalAfterAwaitAsync(AsyncLocal<string?> local, Gate gate)
    {
        local.Value = "set by the caller";
        await gate.WaitAsync().ConfigureAwait(false);
        return local.Value;
    }

    /// <summary>A reusable awaitable that completes when opened, inline, on the opening thread; allocates nothing.</summary>
    private sealed class Gate : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core;

        public ValueTask WaitAsync() => new(this, _core.Version);

        public void Open() => _core.SetResult(true);

        public void Reset() => _core.Reset();

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
            => _core.OnCompleted(continuation, state, token, flags);
    }
}
