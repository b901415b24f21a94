using Engine.Async;

namespace Engine.Upstream.Locality;

/// <summary>
/// Envoy's earliest-deadline-first schedule over one level's localities (its locality scheduler):
/// a locality is due <c>1 ÷ weight</c> after its last pick, the earliest due goes next, and a tie
/// goes to the one waiting longest. Weights 80 and 20 give A A A A B, over and over, so even a
/// handful of requests split as the weights say (a random draw only does so on average).
/// Localities without weight never come up. Like Envoy, which starts each schedule a random number
/// of picks in, the schedule is advanced a random number of picks at creation, so that sidecars
/// built at the same moment do not all send their first request to the same locality.
/// </summary>
/// <remarks>
/// A pick takes a lock: requests on several loop threads pick from one level's schedule. A level
/// has a handful of localities, so the earliest due is found by a scan, not a heap.
/// </remarks>
internal sealed class LocalitySchedule
{
    private readonly ShortLock _sync = new();
    private readonly double[] _step;
    private readonly double[] _due;
    private readonly long[] _queuedAt; // order of (re)scheduling: the earlier breaks a tie
    private long _queued;

    public LocalitySchedule(double[] weights, int warmUpPicks)
    {
        _step = new double[weights.Length];
        _due = new double[weights.Length];
        _queuedAt = new long[weights.Length];
        for (var k = 0; k < weights.Length; k++)
        {
            _step[k] = weights[k] > 0 ? 1.0 / weights[k] : double.PositiveInfinity;
            _due[k] = _step[k];
            _queuedAt[k] = _queued++;
        }

        for (var i = 0; i < warmUpPicks; i++)
        {
            Pick();
        }
    }

    /// <summary>The index of the locality that goes next (the caller knows some locality has weight).</summary>
    public int Pick()
    {
        using (_sync.EnterScope())
        {
            var next = 0;
            while (!double.IsFinite(_due[next]))
            {
                next++; // some locality has weight: the caller checked
            }

            for (var k = next + 1; k < _due.Length; k++)
            {
                if (!double.IsFinite(_due[k]))
                {
                    continue; // no weight: never its turn
                }

                // Sums of 1/weight drift apart in the last bits (8 × 0.0125 is not 2 × 0.05):
                // deadlines that close are a tie, or the turns would lose their period.
                var tolerance = 1e-9 * Math.Max(_due[k], _due[next]);
                if (_due[k] < _due[next] - tolerance || (Math.Abs(_due[k] - _due[next]) <= tolerance && _queuedAt[k] < _queuedAt[next]))
                {
                    next = k;
                }
            }

            _due[next] += _step[next];
            _queuedAt[next] = _queued++;
            return next;
        }
    }
}
