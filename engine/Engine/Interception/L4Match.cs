using System.Net;

namespace Engine.Interception;

/// <summary>
/// One compiled <c>tcp[].match[]</c> entry: the service port the connection is addressed to and
/// the subnets its destination IP must fall in (each optional; both must hold).
/// </summary>
internal sealed record L4Match(int? Port, IPNetwork[] DestinationSubnets)
{
    public bool Matches(int port, IPAddress destination)
        => (Port is null || Port == port) && (DestinationSubnets.Length == 0 || Subnet.AnyContains(DestinationSubnets, destination));
}
