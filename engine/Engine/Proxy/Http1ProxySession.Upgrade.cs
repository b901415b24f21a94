using System.Diagnostics;
using System.IO.Pipelines;
using Engine.Http2.Client;
using Engine.Protocols.Http;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// WebSocket upgrades, as Istio's sidecar allows them on every HTTP route (upgrade_configs
/// websocket): the request goes to an HTTP/1.1 upstream with its Upgrade and "connection:
/// upgrade", and a 101 answer turns both connections into one tunnel of bytes until either side
/// ends (<see cref="UpgradeTunnel"/>); the upstream connection is never pooled again and the
/// client's carries no other request. To an HTTP/2 cluster it goes as an extended CONNECT (RFC
/// 8441) and a 2xx answer is given to the client as the 101 it asked for, as Envoy carries a
/// WebSocket across an HTTP/2 hop. Any other answer is an ordinary response. Upgrades to other
/// protocols get 403, as Envoy gives an upgrade it has no configuration for; upgraded requests are
/// not mirrored, as Envoy does not shadow them.
/// </summary>
internal sealed partial class Http1ProxySession
{
    private UpgradeKind _upgrade;

    private protected override bool UpgradeForwarded => _upgrade == UpgradeKind.WebSocket;

    /// <summary>Sends the 101 downstream and carries the bytes both ways until the tunnel ends; the upstream connection is discarded.</summary>
    private async ValueTask RunUpgradedAsync(UpstreamConnection upstream, long upstreamStarted)
    {
        await RunTunnelAsync(upstream.Input, upstream.Output, upstreamStarted).ConfigureAwait(false);
        upstream.Pool.Discard(upstream);
    }

    /// <summary>
    /// The HTTP/2 server's 2xx becomes RFC 6455's 101 with Upgrade, Connection and, when the server
    /// sent none (an RFC 8441 server does not: the key means nothing over HTTP/2),
    /// Sec-WebSocket-Accept computed from the client's key, which a WebSocket client checks before
    /// it trusts the connection. The stream's body is the tunnel's upstream side; completing the
    /// request body sends END_STREAM.
    /// </summary>
    private protected override async ValueTask RunHttp2UpgradedAsync(Http2ClientStream stream, long upstreamStarted)
    {
        _response.StatusCode = 101;
        _response.Reason = default;
        for (var i = _response.IndexOf(KnownHeader.ContentLength); i >= 0; i = _response.IndexOf(KnownHeader.ContentLength))
        {
            _response.RemoveHeaderAt(i);
        }

        _response.AddHeader("upgrade"u8, "websocket"u8, KnownHeader.Upgrade);
        if (_response.IndexOf("sec-websocket-accept"u8) < 0 && _request.IndexOf("sec-websocket-key"u8) is var key and >= 0)
        {
            Span<byte> accept = stackalloc byte[WebSocketAccept.Length];
            WebSocketAccept.Compute(_request.Span(_request.Headers[key].Value), accept);
            _response.AddHeader("sec-websocket-accept"u8, accept);
        }

        await RunTunnelAsync(stream.ResponseBody, stream.RequestBody, upstreamStarted).ConfigureAwait(false);
    }

    private async ValueTask RunTunnelAsync(PipeReader upstreamInput, PipeWriter upstreamOutput, long upstreamStarted)
    {
        _status = _response.StatusCode;
        _proxiedResponse = true;
        _keepAlive = false;
        ApplyResponseEdits();
        _serviceTimeMs = (long)Stopwatch.GetElapsedTime(upstreamStarted).TotalMilliseconds;
        ResponseHeadSerializer.Write(_output, _response, new DownstreamResponseExtras(
            Chunked: false,
            Close: false,
            KeepAliveHeader: false,
            ServiceTimeMs: _server.Options.SendUpstreamServiceTime ? _serviceTimeMs : -1,
            Upgrade: true));
        var (up, down) = await UpgradeTunnel.RunAsync(
            _input, _output, upstreamInput, upstreamOutput, _server.Options.IdleTimeout, _server.Time, _deadlines?.Token ?? default).ConfigureAwait(false);
        _received.Add(up);
        _sent.Add(down);
        if (_deadlines?.RouteExpired == true)
        {
            _flags |= ResponseFlags.UpstreamRequestTimeout;
        }
    }
}
