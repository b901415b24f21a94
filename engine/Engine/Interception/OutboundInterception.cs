using System.Buffers;
using System.IO.Pipelines;
using Engine.Proxy;
using Engine.Upstream;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Engine.Interception;

/// <summary>
/// The outbound capture listener (15001, Envoy's virtualOutbound): every TCP connection the app
/// opens arrives here. Original destination first, then the protocol (unless the destination is
/// a port declared non-HTTP), then:
/// <list type="bullet">
/// <item>HTTP/1 — the HTTP/1.1 session, routing exactly as explicit mode but by the original
/// destination's port (and, when the Host names nothing, by the original destination);</item>
/// <item>HTTP/2 prior knowledge — <see cref="Http2Session"/> when one is plugged in; until
/// then passed through at L4, byte for byte, to the original destination;</item>
/// <item>anything else — L4 by <see cref="TcpRouting"/>.</item>
/// </list>
/// </summary>
internal sealed class OutboundInterception
{
    private const string Listener = "outbound";

    private readonly ProxyServer _server;
    private readonly UpstreamConnector _connector;
    private readonly TransparentOptions _options;
    private readonly ILogger _logger;
    private readonly L4Forwarder _l4;

    public OutboundInterception(ProxyServer server, UpstreamConnector connector, TransparentOptions options, ILogger logger)
    {
        _server = server;
        _connector = connector;
        _options = options;
        _logger = logger;
        _l4 = new L4Forwarder(options, server.Time, logger, server.Stopping);
    }

    /// <summary>
    /// The HTTP/2 session: given the connection (its preface still unread) and what interception
    /// learned, serve it (TransparentListeners sets it). Null: h2c is passed through at L4.
    /// </summary>
    public InterceptedSessionHandler? Http2Session { get; init; }

    public async Task RunAsync(ConnectionContext connection)
    {
        if (!InterceptionGate.TryAccept(connection, _options, _logger, Listener, out var socket, out var addresses))
        {
            return;
        }

        var config = _server.Config;
        var target = config.Destinations.Find(addresses.Destination.EndPoint);
        var protocol = target is { IsOpaque: true } ? SniffedProtocol.Opaque : await DetectAsync(connection.Transport.Input).ConfigureAwait(false);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            InterceptionLog.Detected(_logger, addresses.Client.ToString(), addresses.Destination.ToString(), protocol, target?.ToString() ?? "unknown destination");
        }

        switch (protocol)
        {
            case SniffedProtocol.Http1:
            {
                using var intercepted = Intercepted(addresses);
                await new Http1ProxySession(_server, connection, intercepted).RunAsync().ConfigureAwait(false);
                return;
            }

            case SniffedProtocol.Http2 when Http2Session is not null:
            {
                using var intercepted = Intercepted(addresses);
                await Http2Session(connection, intercepted).ConfigureAwait(false);
                return;
            }

            case SniffedProtocol.Http2:
                // No HTTP/2 session yet: the preface and everything after it go to the original
                // destination untouched (registry-only still refuses an unknown one).
                var h2c = target is null && _options.OutboundPolicy == OutboundPolicy.RegistryOnly
                    ? TcpRouting.Decide(config, addresses.Destination, null, _options, _server.Random)
                    : TcpDecision.Connect(addresses.Destination.EndPoint, InterceptedConnection.PassthroughClusterName, "h2c_passthrough", null, _options.ConnectTimeout);
                await ForwardOrRejectAsync(connection, socket, "h2c", addresses, h2c).ConfigureAwait(false);
                return;

            default:
                // A TLS port, or a service with tls[] rules: the ClientHello's server name picks the
                // service among those sharing the port, and the tls[] rule.
                string? serverName = null;
                if (target is { RoutesOnServerName: true })
                {
                    serverName = await ReadServerNameAsync(connection.Transport.Input).ConfigureAwait(false);
                    if (serverName is not null)
                    {
                        target = config.Destinations.Find(addresses.Destination.EndPoint, serverName);
                    }
                }

                var decision = TcpRouting.Decide(config, addresses.Destination, target, _options, _server.Random, connection.RemoteEndPoint, serverName);
                await ForwardOrRejectAsync(connection, socket, serverName is null ? "tcp" : "tls", addresses, decision).ConfigureAwait(false);
                return;
        }
    }

    private Task ForwardOrRejectAsync(ConnectionContext connection, System.Net.Sockets.Socket socket, string protocol, InterceptedAddresses addresses, TcpDecision decision)
    {
        if (decision.Upstream is null)
        {
            _l4.Reject(Listener, protocol, addresses, decision);
            return Task.CompletedTask;
        }

        return _l4.ForwardAsync(connection, socket, Listener, protocol, addresses, decision);
    }

    private InterceptedConnection Intercepted(InterceptedAddresses addresses)
        => new(addresses.Client, addresses.Server, addresses.Destination, _options.OutboundPolicy, _options.ConnectTimeout, _connector, _server.Random);

    /// <summary>
    /// Looks at the first bytes without consuming them. Bounded: at most
    /// <see cref="ProtocolSniffer.MaxBytes"/> bytes decide, and the detection timeout ends the
    /// wait of a client that sends nothing first (a server-first protocol: opaque).
    /// </summary>
    private Task<SniffedProtocol> DetectAsync(PipeReader input)
        => PipePeek.PeekAsync(input, _options.ProtocolDetectionTimeout, _server.Time, static buffer => ProtocolSniffer.Sniff(buffer) is var protocol && protocol != SniffedProtocol.NeedMore ? (true, protocol) : (false, protocol), SniffedProtocol.Opaque);

    /// <summary>
    /// The server name of the ClientHello the client sends first, or null (not TLS, no name, or
    /// nothing within the detection timeout). Bounded by <see cref="TlsClientHello.MaxBytes"/>.
    /// </summary>
    private Task<string?> ReadServerNameAsync(PipeReader input)
        => PipePeek.PeekAsync(input, _options.ProtocolDetectionTimeout, _server.Time, static buffer => TlsClientHello.TryRead(buffer, out var name) switch
        {
            TlsClientHello.Result.NeedMore => (false, null),
            TlsClientHello.Result.Complete => (true, name),
            _ => (true, null),
        }, (string?)null);
}
