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
/// configurations.
/// </remarks>
internal sealed class ScopedStats<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TStats>
    where TStats : class
{
    private readonly ConcurrentDictionary<string, TStats> _byName = new(StringComparer.Ordinal);
    private readonly ConditionalWeakTable<object, TStats> _byIdentity = new();
    private readonly Func<string, TStats> _create;

    public ScopedStats(Func<string, TStats> create) => _create = create;

    /// <summary>Stats for the scope that <paramref name="identity"/> stands for (allocates only the first time it is seen).</summary>
    public TStats For(object identity, string name)
    {
        if (_byIdentity.TryGetValue(identity, out var stats))
        {
            return stats;
        }

        stats = _byName.GetOrAdd(name, _create);
        _byIdentity.TryAdd(identity, stats);
        return stats;
    }

    /// <summary>Stats by name, created when missing (scrapes list every configured cluster, traffic or not).</summary>
    public TStats ForName(string name) => _byName.GetOrAdd(name, _create);

    /// <summary>Every scope seen so far, sorted by name for a stable export.</summary>
    public KeyValuePair<string, TStats>[] Snapshot() => _byName.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
}
