using BenchmarkDotNet.Attributes;
using Engine.Async;

namespace Engine.Benchmarks.Async;

/// <summary>
/// One uncontended critical section of one field update, as the request path takes about 22
/// (HTTP/1.1) to 35 (h2c) times per request: on the runtime's <see cref="Lock"/> (an atomic to
/// enter and one to leave) and on <see cref="ShortLock"/> (an atomic to enter, a plain store to
/// leave). The native binary does not inline <see cref="Lock"/>'s halves, which this JIT run may.
/// </summary>
[MemoryDiagnoser]
public class ShortLockBenchmarks
{
    private readonly Lock _lock = new();
    private readonly ShortLock _shortLock = new();
    private long _guarded;

    [Benchmark(Baseline = true)]
    public long Lock()
    {
        lock (_lock)
        {
            return ++_guarded;
        }
    }

    [Benchmark]
    public long ShortLock()
    {
        using (_shortLock.EnterScope())
        {
            return ++_guarded;
        }
    }
}
