using Engine.Config.Model;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Tests.Upstream;

/// <summary>
/// DestinationRule <c>warmup</c> as Envoy's slow start: an endpoint that joined a running cluster
/// has its weight scaled by <c>max(timeFactor^(1/aggression), minimumPercent/100)</c> for the window;
/// one there from the start never is; ROUND_ROBIN and LEAST_REQUEST schedule by it.
/// </summary>
public sealed class SlowStartTests
{
    private readonly FakeTimeProvider _time = new();

    private SlowStart Warmup(double seconds, double minimumPercent = 10, double aggression = 1)
        => SlowStart.From(new LoadBalancerSettings { Simple = SimpleLb.RoundRobin, Warmup = new WarmupConfiguration { Duration = TimeSpan.FromSeconds(seconds), MinimumPercent = minimumPercent, Aggression = aggression } }, _time)!;

    private Endpoint Joined(int id, bool now)
    {
        var endpoint = BalancerTests.Endpoints(id + 1)[id];
        return new Endpoint(endpoint.Address, endpoint.Labels, endpoint.Weight, endpoint.Pool) { JoinedAt = now ? _time.GetTimestamp() : null };
    }

    [Theory]
    [InlineData(0, 1, 0.1)]     // the minimum at first
    [InlineData(2, 1, 0.2)]     // a fifth of the window: a fifth of the weight
    [InlineData(5, 1, 0.5)]
    [InlineData(5, 2, 0.7071)] // aggression 2: the square root of the time factor
    [InlineData(1, 0.5, 0.1)]  // aggression 0.5: squared, 0.01, under the minimum
    [InlineData(10, 1, 1)]     // the window is over
    public void TheFactor_GrowsWithTheTimeSinceTheEndpointJoined(double secondsIn, double aggression, double factor)
    {
        var warmup = Warmup(10, aggression: aggression);
        var endpoint = Joined(1, now: true);

        _time.Advance(TimeSpan.FromSeconds(secondsIn));

        Assert.Equal(factor, warmup.Factor(endpoint), precision: 4);
    }

    [Fact]
    public void AnEndpointThereFromTheStart_IsNeverInSlowStart()
        => Assert.Equal(1, Warmup(10).Factor(Joined(1, now: false)));

    [Fact]
    public void Settings_IstiosDefaults_TheDeprecatedField_AndOnlyForRoundRobinAndLeastRequest()
    {
        var warmup = SlowStart.From(new LoadBalancerSettings { Warmup = new WarmupConfiguration { Duration = TimeSpan.FromSeconds(30) } }, _time)!;
        Assert.Equal((TimeSpan.FromSeconds(30), 0.1, 1.0), (warmup.Window, warmup.MinWeight, warmup.Aggression));
        Assert.Equal(TimeSpan.FromSeconds(20), SlowStart.From(new LoadBalancerSettings { Simple = SimpleLb.LeastRequest, WarmupDurationSecs = TimeSpan.FromSeconds(20) }, _time)!.Window);
        Assert.Null(SlowStart.From(new LoadBalancerSettings { Simple = SimpleLb.Random, WarmupDurationSecs = TimeSpan.FromSeconds(20) }, _time));
        Assert.Null(SlowStart.From(new LoadBalancerSettings { Simple = SimpleLb.RoundRobin }, _time));
    }

    [Fact]
    public void RoundRobin_GivesANewEndpointItsScaledShare_ThenAnEqualOne()
    {
        var warmup = Warmup(10);
        Endpoint[] endpoints = [Joined(1, now: false), Joined(2, now: true)];
        var balancer = new RoundRobinBalancer(new SeededRandom(1), warmup);

        Assert.InRange(PicksOfTheNewOne(balancer, endpoints, 110), 9, 11);  // weight 0.1 against 1
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.InRange(PicksOfTheNewOne(balancer, endpoints, 150), 47, 53); // weight 0.5 against 1
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.InRange(PicksOfTheNewOne(balancer, endpoints, 100), 49, 51); // out of slow start
    }

    [Fact]
    public void LeastRequest_GivesANewEndpointItsScaledShare()
    {
        Endpoint[] endpoints = [Joined(1, now: false), Joined(2, now: true)];
        var balancer = new LeastRequestBalancer(new SeededRandom(1), Warmup(10));

        Assert.InRange(PicksOfTheNewOne(balancer, endpoints, 110), 9, 11);
    }

    private static int PicksOfTheNewOne(ILoadBalancer balancer, Endpoint[] endpoints, int picks)
        => Enumerable.Range(0, picks).Count(_ => balancer.Pick(endpoints) == 1);
}
