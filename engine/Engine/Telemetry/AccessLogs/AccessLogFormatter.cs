using Engine.Protocols.Http;
using Engine.Proxy;

namespace Engine.Telemetry.AccessLogs;

/// <summary>
/// Formats one finished request as an access-log line (with its newline) in the layouts Istio
/// operators already parse. The text layouts are Envoy's command operators in order:
/// </summary>
/// <remarks>
/// <para>Envoy's default (<see cref="AccessLogFormat.Envoy"/>):</para>
/// <code>
/// [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
/// %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%"
/// "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
/// </code>
/// <para>Istio's default (<see cref="AccessLogFormat.Text"/>) adds after the flags
/// <c>%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%"</c>
/// and at the end <c>%UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS%
/// %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%</c>. Unset values are "-"
/// (null in JSON), as in Envoy; values are written as received (Envoy does not escape text lines;
/// our codec never lets CR or LF into a header value, so a line cannot be split).</para>
/// </remarks>
internal static class AccessLogFormatter
{
    public static void Write(ref LineWriter w, AccessLogFormat format, in CompletedRequest r)
    {
        if (format == AccessLogFormat.Json)
        {
            WriteJson(ref w, r);
        }
        else
        {
            WriteText(ref w, r, istio: format == AccessLogFormat.Text);
        }
    }

    private static void WriteText(ref LineWriter w, in CompletedRequest r, bool istio)
    {
        var request = r.Request;
        w.Write((byte)'[');
        w.WriteTimestamp(r.StartTime);
        w.Write("] \""u8);
        w.WriteOrDash(Method(request));
        w.Write((byte)' ');
        w.WriteOrDash(OriginalPath(request));
        w.Write((byte)' ');
        w.WriteOrDash(r.Protocol);
        w.Write("\" "u8);
        w.WriteDecimal(r.Status);
        w.Write((byte)' ');
        WriteFlags(ref w, r.Flags);
        if (istio)
        {
            w.Write((byte)' ');
            w.Write(ResponseCodeDetails.For(r.Flags, r.Response is not null, r.Status));
            w.Write(" - \""u8); // connection termination details, upstream transport failure reason
            w.WriteOrDash(r.UpstreamTransportFailureReason);
            w.Write((byte)'"');
        }

        w.Write((byte)' ');
        w.WriteDecimal(r.BytesReceived);
        w.Write((byte)' ');
        w.WriteDecimal(r.BytesSent);
        w.Write((byte)' ');
        w.WriteDecimal((long)r.Duration.TotalMilliseconds);
        w.Write((byte)' ');
        if (r.UpstreamServiceTimeMs >= 0)
        {
            w.WriteDecimal(r.UpstreamServiceTimeMs);
        }
        else
        {
            w.Write((byte)'-');
        }

        w.Write(" \""u8);
        w.WriteOrDash(Header(request, KnownHeader.XForwardedFor));
        w.Write("\" \""u8);
        w.WriteOrDash(UserAgent(request));
        w.Write("\" \""u8);
        w.WriteOrDash(Header(request, KnownHeader.XRequestId));
        w.Write("\" \""u8);
        w.WriteOrDash(request.Span(request.Authority));
        w.Write("\" \""u8);
        w.WriteEndPointOrDash(r.UpstreamHost?.Address);
        w.Write((byte)'"');
        if (istio)
        {
            w.Write((byte)' ');
            w.WriteOrDash(r.Cluster?.Name);
            w.Write(" - "u8); // upstream local address
            w.WriteEndPointOrDash(r.DownstreamLocal);
            w.Write((byte)' ');
            w.WriteEndPointOrDash(r.DownstreamRemote);
            w.Write(" - "u8); // requested server name (no TLS yet)
            w.WriteOrDash(r.RouteName);
        }

        w.Write((byte)'\n');
    }

    private static void WriteJson(ref LineWriter w, in CompletedRequest r)
    {
        var request = r.Request;
        w.Write("{\"start_time\":\""u8);
        w.WriteTimestamp(r.StartTime);
        w.Write("\",\"method\":"u8);
        w.WriteJsonStringOrNull(Method(request));
        w.Write(",\"path\":"u8);
        w.WriteJsonStringOrNull(OriginalPath(request));
        w.Write(",\"protocol\":"u8);
        w.WriteJsonStringOrNull(r.Protocol);
        w.Write(",\"response_code\":"u8);
        w.WriteDecimal(r.Status);
        w.Write(",\"response_flags\":\""u8);
        WriteFlags(ref w, r.Flags);
        w.Write("\",\"response_code_details\":\""u8);
        w.Write(ResponseCodeDetails.For(r.Flags, r.Response is not null, r.Status));
        w.Write("\",\"connection_termination_details\":null,\"upstream_transport_failure_reason\":"u8);
        w.WriteJsonStringOrNull(r.UpstreamTransportFailureReason);
        w.Write(",\"bytes_received\":"u8);
        w.WriteDecimal(r.BytesReceived);
        w.Write(",\"bytes_sent\":"u8);
        w.WriteDecimal(r.BytesSent);
        w.Write(",\"duration\":"u8);
        w.WriteDecimal((long)r.Duration.TotalMilliseconds);
        w.Write(",\"upstream_service_time\":"u8);
        if (r.UpstreamServiceTimeMs >= 0)
        {
            w.Write((byte)'"');
            w.WriteDecimal(r.UpstreamServiceTimeMs);
            w.Write((byte)'"');
        }
        else
        {
            w.Write("null"u8);
        }

        w.Write(",\"x_forwarded_for\":"u8);
        w.WriteJsonStringOrNull(Header(request, KnownHeader.XForwardedFor));
        w.Write(",\"user_agent\":"u8);
        w.WriteJsonStringOrNull(UserAgent(request));
        w.Write(",\"request_id\":"u8);
        w.WriteJsonStringOrNull(Header(request, KnownHeader.XRequestId));
        w.Write(",\"authority\":"u8);
        w.WriteJsonStringOrNull(request.Span(request.Authority));
        w.Write(",\"upstream_host\":"u8);
        WriteJsonEndPoint(ref w, r.UpstreamHost?.Address);
        w.Write(",\"upstream_cluster\":"u8);
        w.WriteJsonStringOrNull(r.Cluster?.Name);
        w.Write(",\"upstream_local_address\":null,\"downstream_local_address\":"u8);
        WriteJsonEndPoint(ref w, r.DownstreamLocal);
        w.Write(",\"downstream_remote_address\":"u8);
        WriteJsonEndPoint(ref w, r.DownstreamRemote);
        w.Write(",\"requested_server_name\":null,\"route_name\":"u8);
        w.WriteJsonStringOrNull(r.RouteName);
        w.Write(",\"upstream_request_attempt_count\":"u8);
        w.WriteDecimal(r.Attempts);
        w.Write("}\n"u8);
    }

    /// <summary>Envoy's codes in Envoy's order, comma-separated; "-" when none.</summary>
    private static void WriteFlags(ref LineWriter w, ResponseFlags flags)
    {
        if (flags == ResponseFlags.None)
        {
            w.Write((byte)'-');
            return;
        }

        var first = true;
        foreach (var (flag, code) in ResponseFlagNames.All)
        {
            if ((flags & flag) == 0)
            {
                continue;
            }

            if (!first)
            {
                w.Write((byte)',');
            }

            first = false;
            foreach (var c in code)
            {
                w.Write((byte)c);
            }
        }
    }

    private static void WriteJsonEndPoint(ref LineWriter w, System.Net.EndPoint? endpoint)
    {
        if (endpoint is not System.Net.IPEndPoint)
        {
            w.Write("null"u8);
            return;
        }

        // An address never needs escaping.
        w.Write((byte)'"');
        w.WriteEndPointOrDash(endpoint);
        w.Write((byte)'"');
    }

    /// <summary>The method token as sent (the parser records it for every method; empty for a rejected head).</summary>
    private static ReadOnlySpan<byte> Method(HttpRequestHead request) => request.Span(request.MethodBytes);

    /// <summary>%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%: the path before a rewrite when there was one.</summary>
    private static ReadOnlySpan<byte> OriginalPath(HttpRequestHead request)
    {
        var original = request.IndexOf(KnownHeader.XEnvoyOriginalPath);
        return original >= 0 ? request.ValueOf(original) : request.Span(request.Path);
    }

    private static ReadOnlySpan<byte> Header(HttpRequestHead request, KnownHeader header)
    {
        var index = request.IndexOf(header);
        return index >= 0 ? request.ValueOf(index) : default;
    }

    private static ReadOnlySpan<byte> UserAgent(HttpRequestHead request)
    {
        var index = request.IndexOf("user-agent"u8);
        return index >= 0 ? request.ValueOf(index) : default;
    }
}
