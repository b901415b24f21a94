namespace Engine.Upstream.LoadBalancing;

/// <summary>A consistent-hash look-up built over one set of endpoints: a ring or a Maglev table.</summary>
internal interface IHashTable
{
    /// <summary>
    /// The index of the endpoint for <paramref name="hash"/>. A retry that must avoid the hosts it
    /// tried asks again with <paramref name="attempt"/> 1, 2, …, and gets a neighbour, as Envoy's
    /// ring and Maglev balancers do.
    /// </summary>
    int Lookup(ulong hash, int attempt);
}
