namespace Engine.Upstream.Locality;

/// <summary>
/// How Envoy spreads load over a cluster's priority levels and localities for one set of available
/// (not ejected) endpoints, in its own integer arithmetic (<c>LoadBalancerBase</c>):
/// <list type="bullet">
/// <item>a level's health is <c>min(100, 140 × healthy ÷ endpoints)</c> percent (the
/// overprovisioning factor 1.4); levels take load in order, each what its health allows of what
/// is left, scaled up when the health of all levels together is under 100;</item>
/// <item>a level is in panic when that total is under 100 and its own healthy share is under
/// <c>minHealthPercent</c> (Istio's <c>healthy_panic_threshold</c>): it balances over all its
/// endpoints, ejected or not; when every level is in panic, load follows endpoint counts;</item>
/// <item>within a level, a locality's weight is scaled by its own health the same way
/// (<c>weight × min(1, 1.4 × healthy ÷ endpoints)</c>), and localities take turns by those
/// weights (<see cref="LocalitySchedule"/>).</item>
/// </list>
/// Built only when the available set changes; a pick reads it without allocating.
/// </summary>
internal sealed class LocalitySplit
{
    private const int Overprovisioning = 140; // percent, Envoy's default

    private readonly int[] _load;
    private readonly int[] _health; // per level, percent (0 when no healthy endpoint)

    private LocalitySplit(Endpoint[] available, int[] load, int[] health, Level[] levels)
    {
        Available = available;
        _load = load;
        _health = health;
        Levels = levels;
    }

    /// <summary>The set this split was computed for (compared by reference).</summary>
    public Endpoint[] Available { get; }

    public Level[] Levels { get; }

    /// <summary>The level for a draw in 1..100 (random, or a key's hash: Envoy's <c>choosePriority</c>).</summary>
    public int ChooseLevel(int draw) => Choose(_load, draw);

    /// <summary>
    /// <see cref="ChooseLevel(int)"/> for a retry that leaves out the levels in
    /// <paramref name="excluded"/> (bit per level), Envoy's previous_priorities: the load is
    /// distributed again as if those levels had no healthy endpoint; when that leaves none, the
    /// exclusion is dropped, as Envoy resets its attempted priorities.
    /// </summary>
    public int ChooseLevel(int draw, ulong excluded)
    {
        if (excluded == 0)
        {
            return ChooseLevel(draw);
        }

        Span<int> health = stackalloc int[_health.Length];
        var total = 0;
        for (var l = 0; l < health.Length; l++)
        {
            health[l] = l < 64 && (excluded & (1UL << l)) != 0 ? 0 : _health[l];
            total += health[l];
        }

        if (total == 0)
        {
            return ChooseLevel(draw);
        }

        Span<int> load = stackalloc int[_health.Length];
        Distribute(load, health, Math.Min(100, total));
        return Choose(load, draw);
    }

    private static int Choose(ReadOnlySpan<int> load, int draw)
    {
        var sum = 0;
        for (var l = 0; l < load.Length; l++)
        {
            sum += load[l];
            if (draw <= sum)
            {
                return l;
            }
        }

        return load.Length - 1; // the loads add up to 100; never reached
    }

    public static LocalitySplit Compute(PriorityLevel[] levels, Endpoint[] available, int panicThreshold, IRandomSource random)
    {
        var set = new HashSet<Endpoint>(available, ReferenceEqualityComparer.Instance);
        var healthy = levels.Select(level => level.Endpoints.Where(set.Contains).ToArray()).ToArray();
        var health = levels.Select((level, l) => level.Endpoints.Length == 0 ? 0 : Math.Min(100, Overprovisioning * healthy[l].Length / level.Endpoints.Length)).ToArray();
        var total = Math.Min(100, health.Sum());
        var load = new int[levels.Length];
        var panic = new bool[levels.Length];
        if (total == 0 && panicThreshold == 0)
        {
            load[0] = 100; // nothing healthy and no panic: the pick finds no endpoint (503 UH)
        }
        else
        {
            if (total > 0)
            {
                Distribute(load, health, total);
            }

            // Never panic while the levels together are whole, however thin one of them is.
            for (var l = 0; l < levels.Length; l++)
            {
                panic[l] = total < 100 && HealthyPercent(healthy[l].Length, levels[l].Endpoints.Length) < panicThreshold;
            }

            if (panic.All(p => p))
            {
                ByEndpointCount(load, levels);
            }
        }

        var states = levels.Select((level, l) => LevelState(level, healthy[l], panic[l], set, random)).ToArray();
        return new LocalitySplit(available, load, health, states);
    }

    private static double HealthyPercent(int healthy, int endpoints) => endpoints == 0 ? 0 : 100.0 * healthy / endpoints;

    /// <summary>Envoy's <c>distributeLoad</c>: in order, each level takes its health's part; rounding goes to the first healthy one.</summary>
    private static void Distribute(Span<int> load, ReadOnlySpan<int> health, int total)
    {
        var left = 100;
        var first = -1;
        for (var l = 0; l < load.Length; l++)
        {
            first = first < 0 && health[l] > 0 ? l : first;
            load[l] = Math.Min(left, health[l] * 100 / total);
            left -= load[l];
        }

        load[first] += left;
    }

    /// <summary>Envoy's <c>recalculateLoadInTotalPanic</c>: every level in panic, load by endpoint count.</summary>
    private static void ByEndpointCount(int[] load, PriorityLevel[] levels)
    {
        var endpoints = levels.Sum(level => level.Endpoints.Length);
        var left = 100;
        var first = -1;
        for (var l = 0; l < levels.Length; l++)
        {
            first = first < 0 && levels[l].Endpoints.Length > 0 ? l : first;
            load[l] = 100 * levels[l].Endpoints.Length / endpoints;
            left -= load[l];
        }

        load[first] += left;
    }

    private static Level LevelState(PriorityLevel level, Endpoint[] healthy, bool panic, HashSet<Endpoint> set, IRandomSource random)
    {
        var members = level.Localities.Select(locality => locality.Endpoints.Where(set.Contains).ToArray()).ToArray();
        var weights = level.Localities.Select((locality, k) => locality.Weight * Math.Min(1.0, Overprovisioning / 100.0 * members[k].Length / locality.Endpoints.Length)).ToArray();
        var total = weights.Sum();
        var schedule = weights.Length > 1 && total > 0 ? new LocalitySchedule(weights, random.Next(weights.Length)) : null;
        return new Level(panic, healthy, members, weights, total, schedule);
    }

    /// <summary>
    /// One level's state: in panic or not, its healthy endpoints, per locality the healthy
    /// endpoints and the effective weight, and the turns the localities take (null for one locality,
    /// or none with weight).
    /// </summary>
    public sealed record Level(bool Panic, Endpoint[] Healthy, Endpoint[][] LocalityHealthy, double[] LocalityWeights, double TotalWeight, LocalitySchedule? Schedule);
}
