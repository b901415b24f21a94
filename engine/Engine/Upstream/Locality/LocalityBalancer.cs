namespace Engine.Upstream.Locality;

/// <summary>
/// Envoy's priority and locality-weighted balancing over a cluster's endpoints: a priority level
/// is chosen by the load its health allows (<see cref="LocalitySplit"/>), then a locality in it by
/// its weighted turn (<see cref="LocalitySchedule"/>), then an endpoint in that locality by the locality's own balancer (so each keeps its own
/// round-robin or weighted schedule). With a consistent-hash key, the key itself chooses the level
/// (Envoy's <c>hash % 100</c> against the levels' loads) and then its endpoint in the level's own
/// table: a key stays in the nearest healthy level, on the same endpoint while that one is up.
/// </summary>
/// <remarks>
/// The split is recomputed only when outlier detection changes the available set. Failover makes
/// several levels (sidecar's subzone, zone, region, …); <c>distribute</c> makes one level whose
/// localities carry the rule's weights.
/// </remarks>
internal sealed class LocalityBalancer
{
    private readonly PriorityLevel[] _levels;
    private readonly int _panicThreshold;
    private readonly IRandomSource _random;
    private LocalitySplit? _split;

    /// <param name="levels">Best first; none when a <c>distribute</c> rule keeps no locality (503 UH, as in Istio).</param>
    /// <param name="panicThreshold">Outlier detection's <c>minHealthPercent</c>; 0 disables panic.</param>
    public LocalityBalancer(PriorityLevel[] levels, int panicThreshold, IRandomSource random)
    {
        _levels = levels;
        _panicThreshold = panicThreshold;
        _random = random;
        Endpoints = levels.SelectMany(level => level.Endpoints).ToArray();
    }

    public IReadOnlyList<PriorityLevel> Levels => _levels;

    /// <summary>Every endpoint a request may reach (those of localities a <c>distribute</c> rule leaves out are not here).</summary>
    public Endpoint[] Endpoints { get; }

    /// <summary>
    /// An endpoint, given those outlier detection has not ejected; null when none may be used (503
    /// UH). <paramref name="excludedLevels"/> (a bit per level) are left out for a retry with
    /// <c>retryRemoteLocalities</c> (<see cref="LocalitySplit.ChooseLevel(int, ulong)"/>).
    /// </summary>
    public Endpoint? Pick(Endpoint[] available, ulong excludedLevels = 0)
    {
        if (_levels.Length == 0)
        {
            return null;
        }

        var split = SplitFor(available);
        return PickIn(split, split.ChooseLevel(_random.Next(100) + 1, excludedLevels));
    }

    /// <summary>
    /// <see cref="Pick(Endpoint[], ulong)"/> for a request with a consistent-hash key; <paramref name="attempt"/>
    /// above 0 asks for a neighbour within the same level.
    /// </summary>
    public Endpoint? Pick(Endpoint[] available, ulong hash, int attempt, ulong excludedLevels = 0)
    {
        if (_levels.Length == 0)
        {
            return null;
        }

        var split = SplitFor(available);
        var l = split.ChooseLevel((int)(hash % 100) + 1, excludedLevels);
        if (_levels[l].HashTable is not { } table)
        {
            return PickIn(split, l);
        }

        var members = split.Levels[l].Panic ? _levels[l].Endpoints : split.Levels[l].Healthy;
        var index = table.Pick(members, hash, attempt);
        return index < 0 ? null : members[index];
    }

    /// <summary>The levels (a bit each, best first) the given endpoints belong to: those a retry has tried.</summary>
    public ulong LevelsOf(ReadOnlySpan<Endpoint?> endpoints)
    {
        ulong levels = 0;
        foreach (var endpoint in endpoints)
        {
            for (var l = 0; endpoint is not null && l < _levels.Length && l < 64; l++)
            {
                if (Array.IndexOf(_levels[l].Endpoints, endpoint) >= 0)
                {
                    levels |= 1UL << l;
                    break;
                }
            }
        }

        return levels;
    }

    private LocalitySplit SplitFor(Endpoint[] available)
    {
        var split = Volatile.Read(ref _split);
        if (split is null || !ReferenceEquals(split.Available, available))
        {
            // Two threads may both compute for a new set; the results are equal, one is kept.
            split = LocalitySplit.Compute(_levels, available, _panicThreshold, _random);
            Volatile.Write(ref _split, split);
        }

        return split;
    }

    private Endpoint? PickIn(LocalitySplit split, int l)
    {
        var level = _levels[l];
        var state = split.Levels[l];
        if (state.Panic)
        {
            var any = level.Flat.Pick(level.Endpoints);
            return any < 0 ? null : level.Endpoints[any];
        }

        var chosen = 0;
        if (level.Localities.Length > 1)
        {
            if (state.Schedule is not { } schedule)
            {
                return null; // no locality has weight
            }

            chosen = schedule.Pick();
        }

        var members = state.LocalityHealthy[chosen];
        var index = level.Localities[chosen].Balancer.Pick(members);
        return index < 0 ? null : members[index];
    }
}
