using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Engine.Telemetry.Metrics;

/// <summary>
/// Stats kept per name (cluster, route) and found per request by the identity of the object
/// that names them, without hashing the name.
/// </summary>
/// <remarks>
/// A reload builds new cluster and route objects with the same names; their counters must carry
/// on (counters are monotonic). So stats live in a dictionary by name, and each configuration
/// object is mapped to its entry once, through a <see cref="ConditionalWeakTable{TKey,TValue}"/>:
/// its lookup is lock-free and hashes the reference, and it lets go of the objects of old
/// configurations. Its look-up still cost ~170 instructions, twice per request (cluster and
/// route: 1% of a proxied request), so a small direct-mapped array of recent (object, stats)
/// pairs answers first: one slot read and a reference compare. The array holds at most
/// <see cref="RecentSlots"/> configuration objects of an old configuration alive, until newer
/// ones take their slots.
/// </remarks>
internal sealed class ScopedStats<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TStats>
    where TStats : class
{
    private readonly ConcurrentDictionary<string, TStats> _byName = new(StringComparer.Ordinal);
    private const int RecentSlots = 64;

    private readonly ConditionalWeakTable<object, Entry> _byIdentity = new();
    private readonly Entry?[] _recent = new Entry?[RecentSlots];
    private readonly Func<string, TStats> _create;

    public ScopedStats(Func<string, TStats> create) => _create = create;

    /// <summary>Stats for the scope that <paramref name="identity"/> stands for (allocates only the first time it is seen).</summary>
    public TStats For(object identity, string name)
    {
        // Entries are immutable and a slot is one reference: a racing writer leaves either entry.
        ref var slot = ref _recent[RuntimeHelpers.GetHashCode(identity) & (RecentSlots - 1)];
        var recent = Volatile.Read(ref slot);
        if (recent is not null && ReferenceEquals(recent.Identity, identity))
        {
            return recent.Stats;
        }

        if (!_byIdentity.TryGetValue(identity, out var entry))
        {
            // First sight of this object: whichever of two racing threads adds it, both use that entry.
            _byIdentity.TryAdd(identity, new Entry(identity, _byName.GetOrAdd(name, _create)));
            _byIdentity.TryGetValue(identity, out entry);
        }

        Volatile.Write(ref slot, entry!);
        return entry!.Stats;
    }

    /// <summary>Stats by name, created when missing (scrapes list every configured cluster, traffic or not).</summary>
    public TStats ForName(string name) => _byName.GetOrAdd(name, _create);

    /// <summary>Every scope seen so far, sorted by name for a stable export.</summary>
    public KeyValuePair<string, TStats>[] Snapshot() => _byName.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();

    /// <summary>A configuration object and its stats (the table's value refers to its own key: the table allows that).</summary>
    private sealed class Entry(object identity, TStats stats)
    {
        public object Identity { get; } = identity;

        public TStats Stats { get; } = stats;
    }
}
