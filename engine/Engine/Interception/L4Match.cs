using System.Net;

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

    /// <summary>An exact name, or a <c>*.</c> wildcard that <paramref name="serverName"/> ends with (not the bare domain).</summary>
    public static bool ServerNameMatches(string[] patterns, string serverName)
    {
        foreach (var pattern in patterns)
        {
            if (pattern == "*"
                || string.Equals(pattern, serverName, StringComparison.OrdinalIgnoreCase)
                || (pattern.StartsWith("*.", StringComparison.Ordinal) && serverName.Length > pattern.Length - 1
                    && serverName.EndsWith(pattern.AsSpan(1), StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }
}
