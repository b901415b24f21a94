using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Engine.Interception;

/// <summary>
/// The first step on both transparent listeners (Envoy's original_dst listener filter): recover
/// the original destination, and refuse — with a log line, never by forwarding — a connection
/// that would loop back into the proxy:
/// <list type="bullet">
/// <item>no original destination (nothing redirected it: conntrack has no NAT entry);</item>
/// <item>the original destination is the listener's own address (a direct connection);</item>
/// <item>the original destination's port is one of the capture ports (Istio's
/// virtualOutbound/virtualInbound blackhole chains).</item>
/// </list>
/// </summary>
internal static class InterceptionGate
{
    public static bool TryAccept(ConnectionContext connection, TransparentOptions options, ILogger logger, string listener, out Socket socket, out InterceptedAddresses addresses)
    {
        addresses = default;
        socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket!;
        if (socket is null || connection.RemoteEndPoint is not IPEndPoint remote || connection.LocalEndPoint is not IPEndPoint local)
        {
            InterceptionLog.Refused(logger, listener, connection.RemoteEndPoint?.ToString() ?? "?", connection.LocalEndPoint?.ToString() ?? "?", "not a TCP socket connection");
            return false;
        }

        var client = new ClientAddress(remote);
        var server = new ServerAddress(local);
        var error = OriginalDestinationReader.TryRead(socket, out var destination, out var errno);
        if (error != OriginalDestinationError.None)
        {
            var reason = error switch
            {
                OriginalDestinationError.NotRedirected => "not redirected by iptables (no NAT entry); connect through the capture rules, not to the listener",
                OriginalDestinationError.NotSupported => "SO_ORIGINAL_DST is not available (no netfilter nat/conntrack in this kernel or namespace)",
                _ => $"SO_ORIGINAL_DST failed: {error}" + (errno != 0 ? ": " + Libc.Describe(errno) : string.Empty),
            };
            InterceptionLog.Refused(logger, listener, client.ToString(), server.ToString(), reason);
            return false;
        }

        if (destination.IsSameAs(server))
        {
            InterceptionLog.Refused(logger, listener, client.ToString(), server.ToString(), "not redirected: the original destination is this listener itself; refused rather than looped");
            return false;
        }

        if (destination.Port == options.OutboundPort || destination.Port == options.InboundPort)
        {
            InterceptionLog.Refused(logger, listener, client.ToString(), server.ToString(), $"original destination {destination} is a capture port; refused rather than looped");
            return false;
        }

        addresses = new InterceptedAddresses(client, server, destination);
        return true;
    }
}
