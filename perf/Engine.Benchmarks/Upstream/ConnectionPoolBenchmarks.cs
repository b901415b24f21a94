using BenchmarkDotNet.Attributes;
using Engine.Upstream;

namespace Engine.Benchmarks.Upstream;

/// <summary>
/// Lease and return of a keep-alive connection on <see cref="Http1ConnectionPool"/>: what every
/// proxied request does (TryTakeIdle, which checks the connection is still healthy, then Return,
/// which parks it). The connections are fakes over in-memory pipes (see <see cref="FakeUpstreams"/>).
/// </summary>
[MemoryDiagnoser]
public class ConnectionPoolBenchmarks
{
    private Http1ConnectionPool _pool = null!;

    /// <summary>Connections parked in the pool: one (8 wrk connections → few idle) and many (64).</summary>
    [Params(1, 64)]
    public int Idle { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _pool = FakeUpstreams.Pool(18080);
        for (var i = 0; i < Idle; i++)
        {
            _pool.Return(FakeUpstreams.IdleConnection(_pool, i));
        }

        if (_pool.IdleConnections != Idle)
        {
            throw new InvalidOperationException($"pool holds {_pool.IdleConnections} idle connections, expected {Idle}");
        }
    }

    [Benchmark]
    public int LeaseAndReturn()
    {
        var connection = _pool.TryTakeIdle() ?? throw new InvalidOperationException("pool is empty");
        _pool.Return(connection);
        return connection.RequestsServed;
    }
}
