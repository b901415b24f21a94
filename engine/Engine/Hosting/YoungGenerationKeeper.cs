namespace Engine.Hosting;

/// <summary>
/// Collects the young generation once a little garbage has piled up without a collection, so the
/// sidecar's memory stays flat when it allocates almost nothing.
/// </summary>
/// <remarks>
/// The proxy paths allocate nothing per request, so what garbage there is (connection set-up and
/// tear-down, reloads) accrues slowly, and the GC's own gen0 budget — sized from the CPU cache,
/// ~30 MB on the test machine — took minutes to fill: RSS climbed ~19 MiB/min in the soak before
/// the first collection and looked like a leak. The GC's knob for this (GCgen0size) is read from
/// the environment only under NativeAOT (an embedded runtime option was tried: no effect), so the
/// engine keeps the budget itself: at most one gen0 collection per interval, only when
/// <c>budgetBytes</c> were allocated since the last one. Cheap (young objects are few) and never
/// under load, where the GC's own budget triggers first.
/// </remarks>
internal sealed class YoungGenerationKeeper : IDisposable
{
    private readonly long _budgetBytes;
    private readonly Timer? _timer;
    private int _lastCount;
    private long _allocatedAtLast;

    public YoungGenerationKeeper(long budgetBytes, TimeSpan interval, bool start = true)
    {
        _budgetBytes = budgetBytes;
        _lastCount = GC.CollectionCount(0);
        _allocatedAtLast = GC.GetTotalAllocatedBytes();
        if (start)
        {
            _timer = new Timer(static s => ((YoungGenerationKeeper)s!).Check(), this, interval, interval);
        }
    }

    /// <summary>Collections this keeper asked for.</summary>
    public int Collections { get; private set; }

    /// <summary>One check (the timer's tick): true when it collected.</summary>
    public bool Check()
    {
        var count = GC.CollectionCount(0);
        var allocated = GC.GetTotalAllocatedBytes();
        if (count != _lastCount || allocated - _allocatedAtLast < _budgetBytes)
        {
            if (count != _lastCount)
            {
                // The GC collected on its own since the last tick: count from here.
                _lastCount = count;
                _allocatedAtLast = allocated;
            }

            return false;
        }

        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        Collections++;
        _lastCount = GC.CollectionCount(0);
        _allocatedAtLast = GC.GetTotalAllocatedBytes();
        return true;
    }

    public void Dispose() => _timer?.Dispose();
}
