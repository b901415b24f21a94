namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// Maglev (Eisenbud et al., NSDI 2016), as Envoy builds it: each endpoint walks its own
/// permutation of a prime-sized table and claims the first free slot on its turn, weighted
/// endpoints taking more turns. A key's hash picks a slot. The table spreads keys more evenly than
/// a ring of the same size, and removing an endpoint moves few keys besides its own.
/// </summary>
internal sealed class MaglevTable : IHashTable
{
    /// <summary>Envoy's default table size (prime).</summary>
    public const int DefaultSize = 65537;

    private readonly int[] _slots;

    /// <param name="weights">Weights to fill the table by instead of the endpoints' own (see <see cref="HashRing"/>); null: theirs.</param>
    public MaglevTable(IReadOnlyList<Endpoint> endpoints, long tableSize, IReadOnlyList<double>? weights = null)
    {
        var size = (int)(tableSize <= 0 ? DefaultSize : tableSize);
        _slots = new int[size];
        Array.Fill(_slots, -1);
        if (endpoints.Count == 0)
        {
            return;
        }

        var n = endpoints.Count;
        var offset = new long[n];
        var skip = new long[n];
        var next = new long[n];
        var weight = new double[n];
        var credit = new double[n];
        var maxWeight = 0.0;
        for (var i = 0; i < n; i++)
        {
            var name = endpoints[i].Address.ToString();
            offset[i] = (long)(StableHash.Of(name + "#offset") % (ulong)size);
            skip[i] = (long)(StableHash.Of(name + "#skip") % (ulong)(size - 1)) + 1;
            weight[i] = weights is null ? Math.Max(1, endpoints[i].Weight) : weights[i];
            maxWeight = Math.Max(maxWeight, weight[i]);
        }

        var filled = 0;
        while (true)
        {
            for (var i = 0; i < n; i++)
            {
                // An endpoint takes a turn each time its accumulated weight reaches the largest one.
                credit[i] += weight[i];
                if (credit[i] < maxWeight)
                {
                    continue;
                }

                credit[i] -= maxWeight;
                int slot;
                do
                {
                    slot = (int)((offset[i] + next[i] * skip[i]) % size);
                    next[i]++;
                }
                while (_slots[slot] >= 0);

                _slots[slot] = i;
                if (++filled == size)
                {
                    return;
                }
            }
        }
    }

    public int Size => _slots.Length;

    public int Lookup(ulong hash, int attempt)
    {
        if (attempt > 0)
        {
            hash = StableHash.Mix(hash ^ (ulong)attempt);
        }

        return _slots[(int)(hash % (ulong)_slots.Length)];
    }
}
