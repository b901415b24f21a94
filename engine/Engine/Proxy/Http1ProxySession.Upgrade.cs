using System.Diagnostics;
using Engine.Upstream;

namespace Engine.Proxy;

/// <summary>
/// WebSocket upgrades, as Istio's sidecar allows them on every HTTP route (upgrade_configs
/// websocket): the request goes to an HTTP/1.1 upstream with its Upgrade and "connection:
/// upgrade", and a 101 answer turns both connections into one tunnel of bytes until either side
/// ends (<see cref="UpgradeTunnel"/>); the upstream connection is never pooled again and the
/// client's carries no other request. Any other answer is an ordinary response. Upgrades to other
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
            _input, _output, upstream.Input, upstream.Output, _server.Options.IdleTimeout, _server.Time, _deadlines?.Token ?? default).ConfigureAwait(false);
        _received.Add(up);
        _sent.Add(down);
        if (_deadlines?.RouteExpired == true)
        {
            _flags |= ResponseFlags.UpstreamRequestTimeout;
        }

        upstream.Pool.Discard(upstream);
    }
}
