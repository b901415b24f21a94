namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// Envoy's ring hash: each endpoint owns points on a 64-bit ring, in proportion to its weight, and
/// a key goes to the owner of the first point at or after its hash. Removing an endpoint moves only
/// the keys that landed on its points.
/// </summary>
internal sealed class HashRing : IHashTable
{
    /// <summary>Istio's default <c>ringHash.minimumRingSize</c>.</summary>
    public const int DefaultMinimumSize = 1024;

    /// <summary>Envoy's default maximum_ring_size: a larger minimum is clamped to it.</summary>
    public const int MaximumSize = 8 * 1024 * 1024;

    private readonly ulong[] _points;
    private readonly int[] _owners;

    public HashRing(IReadOnlyList<Endpoint> endpoints, long minimumSize)
    {
        var size = (int)Math.Clamp(minimumSize <= 0 ? DefaultMinimumSize : minimumSize, endpoints.Count, MaximumSize);
        var totalWeight = 0L;
        foreach (var endpoint in endpoints)
        {
            totalWeight += Math.Max(1, endpoint.Weight);
        }

        var points = new List<(ulong Point, int Owner)>(size + endpoints.Count);
        for (var i = 0; i < endpoints.Count; i++)
        {
            // Every endpoint gets at least one point, the rest by weight (rounded up, as Envoy does).
            var replicas = (int)Math.Max(1, (size * (long)Math.Max(1, endpoints[i].Weight) + totalWeight - 1) / totalWeight);
            var name = endpoints[i].Address.ToString();
            for (var r = 0; r < replicas; r++)
            {
                points.Add((StableHash.Of($"{name}_{r}"), i));
            }
        }

        // Ties (two points with one hash) are broken by endpoint order, so every sidecar agrees.
        points.Sort();
        _points = new ulong[points.Count];
        _owners = new int[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            (_points[i], _owners[i]) = points[i];
        }
    }

    public int Size => _points.Length;

    public int Lookup(ulong hash, int attempt)
    {
        var i = Array.BinarySearch(_points, hash);
        if (i < 0)
        {
            i = ~i; // the first point above the hash
        }

        // Past the last point the ring wraps to the first; a retry takes the next point on.
        return _owners[(int)(((uint)i + (uint)attempt) % (uint)_points.Length)];
    }
}
