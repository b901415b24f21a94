using System.Net;
using System.Net.Sockets;
using Engine.Proxy;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Interception;

/// <summary>
/// The inbound capture listener (15006, Envoy's virtualInbound): connections to the pod arrive
/// here and are delivered to the local application on their original address and port, from
/// 127.0.0.6 (IPv6: ::6) so that ISTIO_OUTPUT's first rule lets them through instead of
/// capturing them again (Envoy's InboundPassthroughCluster, istio-semantics.md §7.2).
/// </summary>
/// <remarks>
/// Delivery is L4 for every protocol; with a mesh identity (<c>--istio-certs</c>), a peer
/// sidecar's Istio mTLS is ended first (<see cref="InboundMutualTls"/>). Envoy's inbound HTTP route is a fixed passthrough too
/// (VirtualServices apply to outbound traffic); what inbound HTTP parsing would add — per-request
/// inbound metrics and access logs — is not here yet. If the source address cannot be bound the
/// connection is refused: connecting without it would be captured again and loop.
/// </remarks>
internal sealed class InboundInterception
{
    private const string Listener = "inbound";
    private const string ClusterName = "InboundPassthroughCluster";
    private static readonly IPAddress SourceV4 = IPAddress.Parse("127.0.0.6");
    private static readonly IPAddress SourceV6 = IPAddress.Parse("::6");

    private readonly ProxyServer _server;
    private readonly TransparentOptions _options;
    private readonly ILogger _logger;
    private readonly L4Forwarder _l4;
    private readonly InboundMutualTls _mtls;

    public InboundInterception(ProxyServer server, TransparentOptions options, ILogger logger)
    {
        _server = server;
        _options = options;
        _logger = logger;
        _l4 = new L4Forwarder(options, server.Time, logger, server.Stopping);
        _mtls = new InboundMutualTls(options, server.Time, logger, server.Stopping);
    }

    public async Task RunAsync(ConnectionContext connection)
    {
        if (!InterceptionGate.TryAccept(connection, _options, _logger, Listener, out var socket, out var addresses))
        {
            return;
        }

        var client = addresses.Client.EndPoint.Address;
        if (client.Equals(SourceV4) || client.Equals(SourceV6))
        {
            // One of our own deliveries was captured again: forwarding it would loop.
            InterceptionLog.Refused(_logger, Listener, addresses.Client.ToString(), addresses.Server.ToString(), "it comes from the inbound delivery address itself (a capture loop); check the ISTIO_OUTPUT rules");
            return;
        }

        var source = addresses.Destination.Address.AddressFamily == AddressFamily.InterNetworkV6 ? SourceV6 : SourceV4;
        var decision = TcpDecision.Connect(addresses.Destination.EndPoint, ClusterName, "inbound_passthrough", null, _options.ConnectTimeout);
        if (_server.Config.Workload is { Error: null } workload && await OffersIstioMtlsAsync(connection).ConfigureAwait(false))
        {
            await _mtls.RunAsync(connection, socket, Listener, addresses, decision, source, workload).ConfigureAwait(false);
            return;
        }

        await _l4.ForwardAsync(connection, socket, Listener, "tcp", addresses, decision, source).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether the client opens with a ClientHello offering Istio's ALPN (a peer sidecar's mTLS).
    /// Only asked when the sidecar has a mesh identity; a client that says nothing first (a
    /// server-first protocol) waits the detection timeout once, as Istio's PERMISSIVE inbound does.
    /// </summary>
    private Task<bool> OffersIstioMtlsAsync(ConnectionContext connection)
        => PipePeek.PeekAsync(connection.Transport.Input, _options.ProtocolDetectionTimeout, _server.Time, static buffer => TlsClientHello.TryRead(buffer, out _, out var istio) switch
        {
            TlsClientHello.Result.NeedMore => (false, false),
            TlsClientHello.Result.Complete => (true, istio),
            _ => (true, false),
        }, false);
}
