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

    /// <param name="weights">
    /// Weights to place the endpoints by instead of their own (locality-weighted balancing gives
    /// each endpoint its locality's share of the ring); null: the endpoints' weights.
    /// </param>
    public HashRing(IReadOnlyList<Endpoint> endpoints, long minimumSize, IReadOnlyList<double>? weights = null)
    {
        var size = (int)Math.Clamp(minimumSize <= 0 ? DefaultMinimumSize : minimumSize, endpoints.Count, MaximumSize);
        var replicas = weights is null ? Replicas(endpoints, size) : Replicas(weights, size);
        var total = 0;
        foreach (var r in replicas)
        {
            total += r;
        }

        // A point is the hash of "address_replica"; built in one buffer, no string per point (a
        // ring may have millions).
        _points = new ulong[total];
        _owners = new int[total];
        Span<byte> key = stackalloc byte[80];
        var at = 0;
        for (var i = 0; i < endpoints.Count; i++)
        {
            var name = System.Text.Encoding.ASCII.GetBytes(endpoints[i].Address.ToString() + "_");
            name.CopyTo(key);
            for (var r = 0; r < replicas[i]; r++)
            {
                System.Buffers.Text.Utf8Formatter.TryFormat(r, key[name.Length..], out var digits);
                _points[at] = StableHash.Of(key[..(name.Length + digits)]);
                _owners[at++] = i;
            }
        }

        // Equal points (a 64-bit collision) are left in an order that depends only on the input,
        // so every sidecar with the same endpoints builds the same ring.
        Array.Sort(_points, _owners);
    }

    public int Size => _points.Length;

    /// <summary>Points per endpoint: at least one, the rest by weight (rounded up, as Envoy does).</summary>
    private static int[] Replicas(IReadOnlyList<Endpoint> endpoints, int size)
    {
        var totalWeight = 0L;
        foreach (var endpoint in endpoints)
        {
            totalWeight += Math.Max(1, endpoint.Weight);
        }

        var replicas = new int[endpoints.Count];
        for (var i = 0; i < endpoints.Count; i++)
        {
            replicas[i] = (int)Math.Max(1, (size * (long)Math.Max(1, endpoints[i].Weight) + totalWeight - 1) / totalWeight);
        }

        return replicas;
    }

    private static int[] Replicas(IReadOnlyList<double> weights, int size)
    {
        var totalWeight = 0.0;
        foreach (var weight in weights)
        {
            totalWeight += weight;
        }

        var replicas = new int[weights.Count];
        for (var i = 0; i < weights.Count; i++)
        {
            replicas[i] = (int)Math.Max(1, Math.Ceiling(size * weights[i] / totalWeight));
        }

        return replicas;
    }

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
