using System.Net;
using Engine.Config;

namespace Engine.Interception;

/// <summary>
/// One compiled <c>tcp[].match[]</c> or <c>tls[].match[]</c> entry: the service port the
/// connection is addressed to, the subnets its destination IP must fall in and, for TLS, the
/// server names (<c>sniHosts</c>, lower-case; <c>*.example.com</c> covers every name below
/// example.com, as Envoy's server_names do). Each condition is optional except the server name of
/// a TLS match; all that are set must hold.
/// </summary>
internal sealed record L4Match(int? Port, IPNetwork[] DestinationSubnets, string[]? SniHosts = null)
{
    public bool Matches(int port, IPAddress destination, string? serverName = null)
        => (Port is null || Port == port)
            && (DestinationSubnets.Length == 0 || Subnet.AnyContains(DestinationSubnets, destination))
            && (SniHosts is null || (serverName is not null && ServerNameMatches(SniHosts, serverName)));

    /// <summary>Whether a pattern covers the name, as Istio matches host names (<see cref="IstioHost.Matches"/>).</summary>
    private static bool ServerNameMatches(string[] patterns, string serverName)
    {
        foreach (var pattern in patterns)
        {
            if (IstioHost.Matches(pattern, serverName))
            {
                return true;
            }
        }

        return false;
    }
}
