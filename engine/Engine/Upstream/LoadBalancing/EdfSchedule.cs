using Engine.Async;

namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// Envoy's earliest-deadline-first schedule for endpoints of unequal weight: each endpoint is due
/// again <c>1 / weight</c> after it was picked, and the endpoint due first is picked. Over any
/// stretch the picks are in proportion to the weights, and interleaved, not in runs.
/// </summary>
/// <remarks>
/// The weight is read again each time an endpoint goes back into the schedule, so a balancer can
/// weigh load as well (least-request: <c>weight / (active requests + 1)</c>). One lock: picks are
/// short, and only clusters with unequal weights come here.
/// </remarks>
internal sealed class EdfSchedule
{
    private readonly Endpoint[] _endpoints;
    private readonly Func<Endpoint, double> _weight;
    private readonly PriorityQueue<int, (double Deadline, long Order)> _queue = new();
    private readonly ShortLock _lock = new();
    private long _order;

    public EdfSchedule(Endpoint[] endpoints, Func<Endpoint, double> weight, int initialPicks)
    {
        _endpoints = endpoints;
        _weight = weight;
        for (var i = 0; i < endpoints.Length; i++)
        {
            _queue.Enqueue(i, (1 / weight(endpoints[i]), _order++));
        }

        // Envoy starts each proxy's schedule at a random point, so that a fleet of sidecars does
        // not send its first requests to the same endpoint.
        for (var i = 0; i < initialPicks; i++)
        {
            Next();
        }
    }

    public Endpoint[] Endpoints => _endpoints;

    /// <summary>The index of the endpoint due first; it is then due again one period of its current weight later.</summary>
    public int Next()
    {
        using (_lock.EnterScope())
        {
            _queue.TryDequeue(out var index, out var due);
            _queue.Enqueue(index, (due.Deadline + (1 / _weight(_endpoints[index])), _order++));
            return index;
        }
    }

    /// <summary>The schedule for <paramref name="endpoints"/>, or null when their weights are all equal (the balancer's own rule applies).</summary>
    public static EdfSchedule? ForUnequal(Endpoint[] endpoints, Func<Endpoint, double> weight, IRandomSource random)
    {
        for (var i = 1; i < endpoints.Length; i++)
        {
            if (endpoints[i].Weight != endpoints[0].Weight)
            {
                return new EdfSchedule(endpoints, weight, random.Next(endpoints.Length));
            }
        }

        return null;
    }
}
