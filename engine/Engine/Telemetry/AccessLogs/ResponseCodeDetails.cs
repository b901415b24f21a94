using Engine.Proxy;

namespace Engine.Telemetry.AccessLogs;

/// <summary>
/// Envoy's <c>%RESPONSE_CODE_DETAILS%</c> (why the response is what it is, in Envoy's words)
/// derived from the response flags, most specific first, so that log queries written for Istio
/// sidecars (<c>response_code_details="route_not_found"</c>) keep working.
/// </summary>
internal static class ResponseCodeDetails
{
    public static ReadOnlySpan<byte> For(ResponseFlags flags, bool proxiedResponse, int status)
    {
        if ((flags & ResponseFlags.DownstreamProtocolError) != 0)
        {
            return "http1.codec_error"u8;
        }

        if ((flags & ResponseFlags.NoRoute) != 0)
        {
            return "route_not_found"u8;
        }

        if ((flags & ResponseFlags.NoClusterFound) != 0)
        {
            return "cluster_not_found"u8;
        }

        if ((flags & ResponseFlags.DnsResolutionFailed) != 0)
        {
            return "dns_resolution_failure"u8;
        }

        if ((flags & ResponseFlags.NoHealthyUpstream) != 0)
        {
            return "no_healthy_upstream"u8;
        }

        if ((flags & ResponseFlags.UpstreamOverflow) != 0)
        {
            return "upstream_reset_before_response_started{overflow}"u8;
        }

        if ((flags & ResponseFlags.UpstreamRequestTimeout) != 0)
        {
            return "upstream_response_timeout"u8;
        }

        if ((flags & ResponseFlags.UpstreamConnectionFailure) != 0)
        {
            return "upstream_reset_before_response_started{connection_failure}"u8;
        }

        if ((flags & ResponseFlags.UpstreamProtocolError) != 0)
        {
            return "upstream_reset_before_response_started{protocol_error}"u8;
        }

        if ((flags & ResponseFlags.UpstreamConnectionTermination) != 0)
        {
            return "upstream_reset_before_response_started{connection_termination}"u8;
        }

        if ((flags & ResponseFlags.UpstreamRemoteReset) != 0)
        {
            return proxiedResponse ? "upstream_reset_after_response_started{remote_reset}"u8 : "upstream_reset_before_response_started{remote_reset}"u8;
        }

        if ((flags & ResponseFlags.FaultInjected) != 0)
        {
            return "fault_filter_abort"u8;
        }

        if ((flags & ResponseFlags.DownstreamConnectionTermination) != 0)
        {
            return "downstream_remote_disconnect"u8;
        }

        if (proxiedResponse)
        {
            return "via_upstream"u8;
        }

        return status > 0 ? "direct_response"u8 : "-"u8;
    }
}
