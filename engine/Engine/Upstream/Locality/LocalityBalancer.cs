using Engine.Upstream.LoadBalancing;

namespace Engine.Upstream.Locality;

/// <summary>
/// Picks an endpoint group, then an endpoint in it with the group's own balancer (so each
/// group keeps its own round-robin or weighted schedule). Groups are either priorities — Envoy's
/// priority load with its overprovisioning factor of 1.4: a level that keeps 5/7 of its
/// endpoints healthy still takes all the traffic it is due, the rest spills to the next level
/// — or localities weighted by <c>distribute</c>, among those with a healthy endpoint.
/// The split is recomputed only when outlier detection changes the healthy set.
/// </summary>
internal sealed class LocalityBalancer
{
    private const double Overprovisioning = 1.4;

    private readonly Group[] _groups;
    private readonly bool _byPriority;
    private readonly IRandomSource _random;
    private Split? _split;

    public LocalityBalancer(Group[] groups, bool byPriority, IRandomSource random)
    {
        _groups = groups;
        _byPriority = byPriority;
        _random = random;
    }

    public IReadOnlyList<Group> Groups => _groups;

    /// <summary>An endpoint among <paramref name="healthy"/> (the cluster's, after outlier detection), or null.</summary>
    public Endpoint? Pick(Endpoint[] healthy)
    {
        var split = Volatile.Read(ref _split);
        if (split is null || !ReferenceEquals(split.Healthy, healthy))
        {
            split = Compute(healthy);
            Volatile.Write(ref _split, split);
        }

        if (split.Total <= 0)
        {
            return null;
        }

        var draw = _random.NextDouble() * split.Total;
        var chosen = -1;
        for (var g = 0; g < _groups.Length; g++)
        {
            if (split.Shares[g] <= 0)
            {
                continue;
            }

            chosen = g; // the last group with a share also catches rounding at the top end
            draw -= split.Shares[g];
            if (draw < 0)
            {
                break;
            }
        }

        var members = split.HealthyMembers[chosen];
        var index = _groups[chosen].Balancer.Pick(members);
        return index < 0 ? null : members[index];
    }

    private Split Compute(Endpoint[] healthy)
    {
        var set = new HashSet<Endpoint>(healthy, ReferenceEqualityComparer.Instance);
        var members = _groups.Select(g => g.Endpoints.Where(set.Contains).ToArray()).ToArray();
        var shares = new double[_groups.Length];
        if (!_byPriority)
        {
            for (var g = 0; g < _groups.Length; g++)
            {
                shares[g] = members[g].Length > 0 ? _groups[g].Weight : 0;
            }
        }
        else
        {
            // Envoy: each level's health (capped at 1) takes what the levels above left.
            var health = _groups.Select((group, g) => Math.Min(1.0, Overprovisioning * members[g].Length / group.Endpoints.Length)).ToArray();
            var left = 1.0;
            for (var g = 0; g < _groups.Length; g++)
            {
                shares[g] = Math.Min(left, health[g]);
                left -= shares[g];
            }

            if (left > 0 && health.Sum() > 0)
            {
                // Not enough health anywhere: the load is spread in proportion to what there is.
                for (var g = 0; g < _groups.Length; g++)
                {
                    shares[g] = health[g];
                }
            }
        }

        return new Split(healthy, members, shares, shares.Sum());
    }

    public sealed record Group(Endpoint[] Endpoints, ILoadBalancer Balancer, int Weight);

    private sealed record Split(Endpoint[] Healthy, Endpoint[][] HealthyMembers, double[] Shares, double Total);
}
