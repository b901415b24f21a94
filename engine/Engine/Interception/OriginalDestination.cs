using System.Net;

namespace Engine.Interception;

/// <summary>
/// Where a redirected connection was going before iptables' REDIRECT rewrote its destination to
/// our listener (linkerd's <c>OrigDstAddr</c>): the address routing and passthrough act on. Kept
/// apart from <see cref="ClientAddress"/> and <see cref="ServerAddress"/> so that the three are
/// never confused; IPv4-mapped IPv6 forms are stored as plain IPv4.
/// </summary>
internal readonly record struct OriginalDestination
{
    public OriginalDestination(IPEndPoint endPoint) => EndPoint = EndPoints.Unmap(endPoint);

    public IPEndPoint EndPoint { get; }

    public IPAddress Address => EndPoint.Address;

    public int Port => EndPoint.Port;

    /// <summary>True when the connection was not redirected: it arrived at the address it was sent to.</summary>
    public bool IsSameAs(ServerAddress local) => EndPoint.Equals(local.EndPoint);

    public override string ToString() => EndPoint.ToString();
}
