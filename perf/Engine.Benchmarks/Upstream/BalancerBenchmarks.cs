using BenchmarkDotNet.Attributes;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;

namespace Engine.Benchmarks.Upstream;

/// <summary>
/// One endpoint pick per operation with each balancer, through <see cref="ILoadBalancer"/> as the
/// cluster calls it, with the process-wide random source the engine uses. Least-request sees
/// uneven in-flight counts so both of its draws matter. The weighted cases give the endpoints
/// weights 1, 2, 3… (Envoy's earliest-deadline-first schedules); the consistent-hash cases pick
/// for one of 1,024 keys in turn, over a 1,024-point ring and a 65,537-slot Maglev table.
/// </summary>
[MemoryDiagnoser]
public class BalancerBenchmarks
{
    private Endpoint[] _endpoints = [];
    private ILoadBalancer _leastRequest = null!;
    private ILoadBalancer _roundRobin = null!;
    private ILoadBalancer _random = null!;
    private Endpoint[] _weighted = [];
    private ILoadBalancer _weightedLeastRequest = null!;
    private ILoadBalancer _weightedRoundRobin = null!;
    private ConsistentHashBalancer _ring = null!;
    private ConsistentHashBalancer _maglev = null!;
    private ulong[] _keys = [];
    private int _nextKey;

    [Params(3, 50)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _endpoints = FakeUpstreams.Endpoints(Endpoints);
        for (var i = 0; i < _endpoints.Length; i++)
        {
            for (var k = 0; k < i % 4; k++)
            {
                _endpoints[i].RequestStarted();
            }
        }

        var random = SharedRandomSource.Instance;
        _leastRequest = new LeastRequestBalancer(random);
        _roundRobin = new RoundRobinBalancer(random);
        _random = new RandomBalancer(random);

        _weighted = FakeUpstreams.Endpoints(Endpoints, weighted: true);
        _weightedLeastRequest = new LeastRequestBalancer(random);
        _weightedRoundRobin = new RoundRobinBalancer(random);
        _ring = new ConsistentHashBalancer(_endpoints, random, maglev: false, 0);
        _maglev = new ConsistentHashBalancer(_endpoints, random, maglev: true, 0);
        _keys = Enumerable.Range(0, 1024).Select(i => StableHash.Of($"user-{i}")).ToArray();
    }

    [Benchmark(Baseline = true)]
    public int LeastRequest() => _leastRequest.Pick(_endpoints);

    [Benchmark]
    public int RoundRobin() => _roundRobin.Pick(_endpoints);

    [Benchmark]
    public int Random() => _random.Pick(_endpoints);

    [Benchmark]
    public int WeightedLeastRequest() => _weightedLeastRequest.Pick(_weighted);

    [Benchmark]
    public int WeightedRoundRobin() => _weightedRoundRobin.Pick(_weighted);

    [Benchmark]
    public int ConsistentHashRing() => _ring.Pick(_endpoints, _keys[_nextKey++ & 1023], 0);

    [Benchmark]
    public int ConsistentHashMaglev() => _maglev.Pick(_endpoints, _keys[_nextKey++ & 1023], 0);
}
