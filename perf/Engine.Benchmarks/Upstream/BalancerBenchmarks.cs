using BenchmarkDotNet.Attributes;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;

namespace Engine.Benchmarks.Upstream;

/// <summary>
/// One endpoint pick per operation with each balancer, through <see cref="ILoadBalancer"/> as the
/// cluster calls it, with the process-wide random source the engine uses. Least-request sees
/// uneven in-flight counts so both of its draws matter.
/// </summary>
[MemoryDiagnoser]
public class BalancerBenchmarks
{
    private Endpoint[] _endpoints = [];
    private ILoadBalancer _leastRequest = null!;
    private ILoadBalancer _roundRobin = null!;
    private ILoadBalancer _random = null!;

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
    }

    [Benchmark(Baseline = true)]
    public int LeastRequest() => _leastRequest.Pick(_endpoints);

    [Benchmark]
    public int RoundRobin() => _roundRobin.Pick(_endpoints);

    [Benchmark]
    public int Random() => _random.Pick(_endpoints);
}
