namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// Each endpoint in turn (Envoy ROUND_ROBIN). With unequal endpoint weights (ServiceEntry endpoint
/// or WorkloadEntry <c>weight</c>), or with slow start, Envoy's weighted schedule instead: picks in
/// proportion to the weights, interleaved (<see cref="EdfSchedule"/>).
/// </summary>
internal sealed class RoundRobinBalancer : ILoadBalancer
{
    private readonly WeightedView _weighted;
    private uint _next;

    public RoundRobinBalancer(IRandomSource random, SlowStart? slowStart = null)
    {
        // Envoy starts each cluster at a random offset so that many proxies don't all hit host 0 first.
        _next = (uint)random.Next(int.MaxValue);
        _weighted = slowStart is null
            ? new WeightedView(static e => Math.Max(1, e.Weight), random)
            : new WeightedView(e => Math.Max(1, e.Weight) * slowStart.Factor(e), random, alwaysScheduled: true);
    }

    public int Pick(Endpoint[] endpoints)
    {
        if (endpoints.Length == 0)
        {
            return -1;
        }

        if (_weighted.For(endpoints) is { } schedule)
        {
            return schedule.Next();
        }

        var n = Interlocked.Increment(ref _next) - 1;
        return (int)(n % (uint)endpoints.Length);
    }
}
