namespace Engine.Upstream.LoadBalancing;

/// <summary>
/// DestinationRule <c>loadBalancer.consistentHash</c>: a request's key (see <see cref="HashPolicy"/>)
/// picks its endpoint through a ring (<c>ringHash</c>, the default) or a Maglev table built over
/// the cluster's endpoints.
/// </summary>
/// <remarks>
/// The table is built once, over every endpoint of the cluster. An endpoint that outlier detection
/// ejected is stepped over: its keys go to the next endpoint along the ring (or the next Maglev
/// probe) and come back when it returns, while every other key stays where it was. Envoy rebuilds
/// its table for the hosts left instead, which moves some other keys too; this keeps more clients
/// on their endpoint and costs nothing while no endpoint is ejected. A request without a key (the
/// header or cookie is absent) goes to a random endpoint, as in Envoy.
/// </remarks>
internal sealed class ConsistentHashBalancer : ILoadBalancer
{
    private readonly Endpoint[] _endpoints;
    private readonly IHashTable _table;
    private readonly int _probes;
    private readonly IRandomSource _random;
    private View? _view;

    /// <param name="weights">What to place the endpoints by instead of their own weights (the shares of locality-weighted balancing); null: theirs.</param>
    public ConsistentHashBalancer(Endpoint[] endpoints, IRandomSource random, bool maglev, long size, IReadOnlyList<double>? weights = null)
    {
        _endpoints = endpoints;
        _random = random;
        if (maglev)
        {
            var table = new MaglevTable(endpoints, size, weights);
            _table = table;
            _probes = 64; // each probe lands on an ejected endpoint with the ejected share's odds
        }
        else
        {
            var ring = new HashRing(endpoints, size, weights);
            _table = ring;
            _probes = Math.Min(ring.Size, 4096); // a full turn of a usual ring visits every endpoint
        }
    }

    public int Pick(Endpoint[] endpoints)
        => endpoints.Length == 0 ? -1 : _random.Next(endpoints.Length);

    /// <summary>
    /// The index in <paramref name="healthy"/> of the endpoint for <paramref name="hash"/>, or -1
    /// when it is empty. <paramref name="attempt"/> above 0 asks for a neighbour (a retry that
    /// avoids the hosts it tried).
    /// </summary>
    public int Pick(Endpoint[] healthy, ulong hash, int attempt)
    {
        if (healthy.Length == 0 || _endpoints.Length == 0)
        {
            return -1;
        }

        var positions = PositionsIn(healthy);
        for (var probe = 0; probe < _probes; probe++)
        {
            var position = positions[_table.Lookup(hash, attempt + probe)];
            if (position >= 0)
            {
                return position;
            }
        }

        return (int)(hash % (ulong)healthy.Length); // nearly all ejected and unlucky probes: still sticky
    }

    /// <summary>For each endpoint of the cluster, its index in <paramref name="healthy"/> (-1: ejected); kept while the set lasts.</summary>
    private int[] PositionsIn(Endpoint[] healthy)
    {
        var view = Volatile.Read(ref _view);
        if (view is not null && ReferenceEquals(view.Healthy, healthy))
        {
            return view.Positions;
        }

        var positions = new int[_endpoints.Length];
        for (var i = 0; i < _endpoints.Length; i++)
        {
            positions[i] = Array.IndexOf(healthy, _endpoints[i]);
        }

        // Two threads may both build for a new set; both results are the same, one is kept.
        Volatile.Write(ref _view, new View(healthy, positions));
        return positions;
    }

    private sealed record View(Endpoint[] Healthy, int[] Positions);
}
