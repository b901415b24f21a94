using System.Net;

namespace Engine.Interception;

/// <summary>Address normalisation shared by the interception types.</summary>
internal static class EndPoints
{
    /// <summary>
    /// A dual-mode socket reports IPv4 peers as <c>::ffff:a.b.c.d</c>; everything downstream
    /// (the registry, CIDR matches, connecting upstream, logs) wants the IPv4 address.
    /// </summary>
    public static IPEndPoint Unmap(IPEndPoint endPoint)
        => endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    public static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
