namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// A balancer's schedule for the endpoint set it was last handed (the cluster's endpoints, or the
/// ones outlier detection left), rebuilt when the set changes. Null inside when the weights are
/// equal: then the balancer's unweighted rule applies, as in Envoy.
/// </summary>
internal sealed class WeightedView
{
    private readonly Func<Endpoint, double> _weight;
    private readonly IRandomSource _random;
    private Built? _current;

    public WeightedView(Func<Endpoint, double> weight, IRandomSource random)
    {
        _weight = weight;
        _random = random;
    }

    /// <summary>The schedule for <paramref name="endpoints"/>; null when their weights are equal.</summary>
    public EdfSchedule? For(Endpoint[] endpoints)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Endpoints, endpoints))
        {
            return current.Schedule;
        }

        // Two threads may both build for a new set; one schedule is kept, the other served one pick.
        current = new Built(endpoints, EdfSchedule.ForUnequal(endpoints, _weight, _random));
        Volatile.Write(ref _current, current);
        return current.Schedule;
    }

    private sealed record Built(Endpoint[] Endpoints, EdfSchedule? Schedule);
}
