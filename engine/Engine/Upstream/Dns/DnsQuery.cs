namespace Engine.Upstream.Dns;

/// <summary>
/// One name a STRICT_DNS or LOGICAL_DNS cluster resolves. <see cref="FirstOnly"/> is LOGICAL_DNS
/// (<c>DNS_ROUND_ROBIN</c>): only the first address of the latest answer is used, so only a change
/// of that address changes the cluster.
/// </summary>
internal readonly record struct DnsQuery(string Name, bool FirstOnly)
{
    public override string ToString() => FirstOnly ? Name + " (first address)" : Name;
}
