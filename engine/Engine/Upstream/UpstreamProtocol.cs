using Engine.Config.Model;
using Engine.Upstream.Registry;

namespace Engine.Upstream;

/// <summary>The protocol a cluster's endpoints are spoken to in.</summary>
internal enum UpstreamProtocol
{
    Http1,

    /// <summary>HTTP/2 with prior knowledge (h2c), multiplexed over one pooled connection per endpoint.</summary>
    Http2,
}

internal static class UpstreamProtocols
{
    /// <summary>
    /// Istio's choice: a port whose protocol (or, without one, the name's prefix: "grpc-api") is
    /// HTTP2, GRPC or GRPC-WEB is spoken to in HTTP/2; an HTTP port too when the DestinationRule
    /// says h2UpgradePolicy: UPGRADE; anything else in HTTP/1.1 (istio-semantics.md §5.1).
    /// </summary>
    public static UpstreamProtocol For(ServicePortInfo port, H2UpgradePolicy upgrade)
    {
        var protocol = port.Protocol.Length > 0 ? port.Protocol : NamePrefix(port.Name);
        if (protocol.Equals("HTTP2", StringComparison.OrdinalIgnoreCase)
            || protocol.Equals("GRPC", StringComparison.OrdinalIgnoreCase)
            || protocol.Equals("GRPC-WEB", StringComparison.OrdinalIgnoreCase))
        {
            return UpstreamProtocol.Http2;
        }

        var http = protocol.Length == 0 || protocol.Equals("HTTP", StringComparison.OrdinalIgnoreCase);
        return http && upgrade == H2UpgradePolicy.Upgrade ? UpstreamProtocol.Http2 : UpstreamProtocol.Http1;
    }

    private static string NamePrefix(string name)
    {
        var dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? name : name[..dash];
    }
}
