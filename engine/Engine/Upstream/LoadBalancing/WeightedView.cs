namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// A balancer's schedule for the endpoint set it was last handed (the cluster's endpoints, or the
/// ones outlier detection left), rebuilt when the set changes. Null inside when the weights are
/// equal: then the balancer's unweighted rule applies, as in Envoy — unless the weights change
/// with time (<paramref name="alwaysScheduled"/>: slow start), when Envoy always schedules too.
/// </summary>
internal sealed class WeightedView(Func<Endpoint, double> weight, IRandomSource random, bool alwaysScheduled = false)
{
    private readonly Func<Endpoint, double> _weight = weight;
    private readonly IRandomSource _random = random;
    private Built? _current;

    /// <summary>The schedule for <paramref name="endpoints"/>; null when their weights are equal.</summary>
    public EdfSchedule? For(Endpoint[] endpoints)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Endpoints, endpoints))
        {
            return current.Schedule;
        }

        // Two threads may both build for a new set; one schedule is kept, the other served one pick.
        current = new Built(
            endpoints,
            alwaysScheduled && endpoints.Length > 1 ? new EdfSchedule(endpoints, _weight, _random.Next(endpoints.Length)) : EdfSchedule.ForUnequal(endpoints, _weight, _random));
        Volatile.Write(ref _current, current);
        return current.Schedule;
    }

    private sealed record Built(Endpoint[] Endpoints, EdfSchedule? Schedule);
}
