using System.Net;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;

namespace Engine.Tests.Upstream;

public sealed class BalancerTests
{
    /// <summary><paramref name="count"/> endpoints on 127.0.0.1:10000 and up; <paramref name="weights"/> when given, else weight 1.</summary>
    internal static Endpoint[] Endpoints(int count, params int[] weights)
    {
        var connector = new UpstreamConnector(Engine.Transport.SocketTransports.CreateUpstreamFactory(new Engine.Transport.TransportSettings()));
        return Enumerable.Range(0, count)
            .Select(i =>
            {
                var address = new IPEndPoint(IPAddress.Loopback, 10_000 + i);
                return new Endpoint(address, new Dictionary<string, string>(), weights.Length > i ? weights[i] : 1, new Http1ConnectionPool(address, connector, UpstreamPoolSettings.Default));
            })
            .ToArray();
    }

    [Fact]
    public void LeastRequest_PicksTheLessLoadedOfTwoDistinctCandidates()
    {
        var endpoints = Endpoints(3);
        endpoints[0].RequestStarted();
        endpoints[0].RequestStarted();
        endpoints[2].RequestStarted();

        // First draw index 0; second draw 1 of the remaining two (0 excluded) → index 2.
        var balancer = new LeastRequestBalancer(new ScriptedRandom(0, 1));

        Assert.Equal(2, balancer.Pick(endpoints));
    }

    [Fact]
    public void LeastRequest_TieKeepsTheFirstDraw()
    {
        var endpoints = Endpoints(2);
        var balancer = new LeastRequestBalancer(new ScriptedRandom(1, 0));

        Assert.Equal(1, balancer.Pick(endpoints));
    }

    [Fact]
    public void LeastRequest_NeverComparesAnEndpointWithItself()
    {
        var endpoints = Endpoints(2);
        endpoints[0].RequestStarted();
        var balancer = new LeastRequestBalancer(SharedRandomSource.Instance);

        // With two endpoints the two candidates are always both: the idle one always wins.
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(1, balancer.Pick(endpoints));
        }
    }

    [Fact]
    public void LeastRequest_OneOrNoEndpoint()
    {
        var balancer = new LeastRequestBalancer(SharedRandomSource.Instance);

        Assert.Equal(-1, balancer.Pick([]));
        Assert.Equal(0, balancer.Pick(Endpoints(1)));
    }

    [Fact]
    public void RoundRobin_CyclesFromARandomStart()
    {
        var endpoints = Endpoints(3);
        var balancer = new RoundRobinBalancer(new ScriptedRandom(1));

        var picks = Enumerable.Range(0, 7).Select(_ => balancer.Pick(endpoints)).ToArray();

        Assert.Equal([1, 2, 0, 1, 2, 0, 1], picks);
    }

    [Fact]
    public void RoundRobin_WithWeights_PicksInProportion_Interleaved()
    {
        var endpoints = Endpoints(3, 1, 2, 3);
        var balancer = new RoundRobinBalancer(SharedRandomSource.Instance);

        var picks = Enumerable.Range(0, 600).Select(_ => balancer.Pick(endpoints)).ToArray();

        Assert.Equal([100, 200, 300], [picks.Count(p => p == 0), picks.Count(p => p == 1), picks.Count(p => p == 2)]);

        // Interleaved: the heaviest endpoint never gets more than two in a row (a naive expansion
        // [0, 1, 1, 2, 2, 2] would give it three).
        for (var i = 2; i < picks.Length; i++)
        {
            Assert.False(picks[i] == 2 && picks[i - 1] == 2 && picks[i - 2] == 2, $"three in a row at {i}");
        }
    }

    [Fact]
    public void LeastRequest_WithWeights_FollowsTheWeights_WhenIdle()
    {
        var endpoints = Endpoints(2, 1, 3);
        var balancer = new LeastRequestBalancer(SharedRandomSource.Instance);

        var picks = Enumerable.Range(0, 400).Select(_ => balancer.Pick(endpoints)).ToArray();

        Assert.InRange(picks.Count(p => p == 1), 299, 301); // 3 : 1
    }

    [Fact]
    public void LeastRequest_WithWeights_DividesAWeightByTheLoad()
    {
        var endpoints = Endpoints(2, 1, 3);
        for (var i = 0; i < 5; i++)
        {
            endpoints[1].RequestStarted(); // weight 3 over 6 against weight 1 over 1: 1 : 2 the other way
        }

        var balancer = new LeastRequestBalancer(SharedRandomSource.Instance);
        balancer.Pick(endpoints); // the schedule is built with the loads of this moment

        var picks = Enumerable.Range(0, 300).Select(_ => balancer.Pick(endpoints)).ToArray();

        Assert.InRange(picks.Count(p => p == 0), 190, 210);
    }

    [Fact]
    public void Weighted_ScheduleFollowsTheEndpointSet()
    {
        var all = Endpoints(3, 1, 1, 4);
        var balancer = new RoundRobinBalancer(SharedRandomSource.Instance);
        Assert.Equal(400, Enumerable.Range(0, 600).Count(_ => balancer.Pick(all) == 2));

        // The weighted endpoint ejected: what is left has equal weights and alternates.
        var healthy = all[..2];
        var picks = Enumerable.Range(0, 6).Select(_ => balancer.Pick(healthy)).ToArray();
        Assert.Equal(3, picks.Count(p => p == 0));
        Assert.All(picks, p => Assert.InRange(p, 0, 1));
    }

    [Fact]
    public void Random_UsesTheInjectedSource()
    {
        var balancer = new RandomBalancer(new ScriptedRandom(2, 0, 1));
        var endpoints = Endpoints(3);

        Assert.Equal([2, 0, 1], [balancer.Pick(endpoints), balancer.Pick(endpoints), balancer.Pick(endpoints)]);
    }
}

public sealed class RetryPickTests
{
    /// <summary>A balancer stuck on one endpoint, to prove the retry pick still moves on.</summary>
    private sealed class StuckBalancer : ILoadBalancer
    {
        public int Pick(Endpoint[] endpoints) => 0;
    }

    [Fact]
    public void PickAvoiding_NeverReturnsATriedEndpoint_WhenAnotherExists()
    {
        var connector = new UpstreamConnector(Engine.Transport.SocketTransports.CreateUpstreamFactory(new Engine.Transport.TransportSettings()));
        var endpoints = Enumerable.Range(0, 3).Select(i =>
        {
            var address = new IPEndPoint(IPAddress.Loopback, 20_000 + i);
            return new Endpoint(address, new Dictionary<string, string>(), 1, new Http1ConnectionPool(address, connector, UpstreamPoolSettings.Default));
        }).ToArray();
        var cluster = new Cluster("outbound|80||svc", "svc", 80, null, endpoints, new StuckBalancer(), UpstreamPoolSettings.Default);

        Assert.Same(endpoints[1], cluster.PickAvoiding([endpoints[0]], new ScriptedRandom(0)));
        Assert.Same(endpoints[2], cluster.PickAvoiding([endpoints[0], endpoints[1]], new ScriptedRandom(0)));
        Assert.Same(endpoints[0], cluster.PickAvoiding([endpoints[0], endpoints[1], endpoints[2]], new ScriptedRandom(0)));
    }
}
