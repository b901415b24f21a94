using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Proxy;

/// <summary>What an HTTP/1.1 request's <c>Upgrade</c> asks for, as Istio's sidecar sees it.</summary>
internal enum UpgradeKind : byte
{
    /// <summary>No upgrade (or h2c, which Envoy's codec drops and forwards the request without).</summary>
    None,

    /// <summary><c>Upgrade: websocket</c>: Istio's listeners allow it (upgrade_configs websocket).</summary>
    WebSocket,

    /// <summary>Any other protocol: Envoy has no upgrade_configs entry for it and answers 403.</summary>
    Other,
}

internal static class UpgradeRequest
{
    /// <summary>An upgrade is a <c>Connection: upgrade</c> token with an <c>Upgrade</c> field (RFC 9110 §7.8).</summary>
    public static UpgradeKind Of(HttpRequestHead head)
    {
        if ((head.Connection & ConnectionOptions.Upgrade) == 0 || head.IndexOf(KnownHeader.Upgrade) is not (var index and >= 0))
        {
            return UpgradeKind.None;
        }

        var value = head.Span(head.Headers[index].Value).Trim((byte)' ');
        return Ascii.EqualsIgnoreCase(value, "h2c"u8) ? UpgradeKind.None
            : Ascii.EqualsIgnoreCase(value, "websocket"u8) ? UpgradeKind.WebSocket
            : UpgradeKind.Other;
    }
}
