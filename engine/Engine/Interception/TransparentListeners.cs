using System.Net;
using System.Net.Sockets;
using Engine.Proxy;
using Engine.Upstream;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Interception;

/// <summary>
/// Binds the two capture listeners of transparent mode on the proxy server: outbound (15001)
/// and inbound (15006), each dual-mode (<c>[::]</c>, IPv4 clients as IPv4-mapped addresses) so
/// one socket serves both families; IPv4-only when the namespace has no IPv6.
/// </summary>
internal static class TransparentListeners
{
    /// <summary>Binds both listeners; <paramref name="http2Session"/> serves h2c prior knowledge when given (else L4 passthrough).</summary>
    public static async Task<IReadOnlyList<EndPoint>> StartAsync(ProxyServer server, UpstreamConnector connector, TransparentOptions options, ILoggerFactory loggerFactory, InterceptedSessionHandler? http2Session = null)
    {
        var logger = loggerFactory.CreateLogger("engine.intercept");
        var outbound = new OutboundInterception(server, connector, options, logger) { Http2Session = http2Session };
        var inbound = new InboundInterception(server, options, logger);
        var outboundEndpoint = await ListenAsync(server, options.OutboundPort, outbound.RunAsync).ConfigureAwait(false);
        InterceptionLog.Listening(logger, "outbound", outboundEndpoint.ToString() ?? "?");
        var inboundEndpoint = await ListenAsync(server, options.InboundPort, inbound.RunAsync).ConfigureAwait(false);
        InterceptionLog.Listening(logger, "inbound", inboundEndpoint.ToString() ?? "?");
        return [outboundEndpoint, inboundEndpoint];
    }

    private static async Task<EndPoint> ListenAsync(ProxyServer server, int port, ConnectionDelegate handler)
    {
        try
        {
            return await server.ListenAsync(new IPEndPoint(IPAddress.IPv6Any, port), handler).ConfigureAwait(false);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
        {
            return await server.ListenAsync(new IPEndPoint(IPAddress.Any, port), handler).ConfigureAwait(false);
        }
    }
}
