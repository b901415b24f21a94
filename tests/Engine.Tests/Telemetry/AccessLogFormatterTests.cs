using System.Text;
using System.Text.Json;
using Engine.Protocols.Http;
using Engine.Proxy;
using Engine.Telemetry;
using Engine.Telemetry.AccessLogs;
using static Engine.Tests.Telemetry.TelemetryFixtures;

namespace Engine.Tests.Telemetry;

public sealed class AccessLogFormatterTests
{
    private const string Head = "GET /reviews/1?x=2 HTTP/1.1\r\nHost: reviews:9080\r\nUser-Agent: curl/8.5\r\nX-Request-Id: 5f1c\r\nX-Forwarded-For: 10.1.1.1\r\n\r\n";

    private static string Format(AccessLogFormat format, in CompletedRequest request)
    {
        var w = new LineWriter(new byte[16]); // tiny on purpose: the writer must grow
        AccessLogFormatter.Write(ref w, format, request);
        return Encoding.UTF8.GetString(w.Written);
    }

    [Fact]
    public void Text_ProxiedRequest_IsIstiosDefaultFormat()
    {
        var line = Format(AccessLogFormat.Text, Proxied(Parse(Head), Cluster(), new HttpResponseHead()));

        Assert.Equal(
            "[2026-11-26T03:15:33.123Z] \"GET /reviews/1?x=2 HTTP/1.1\" 200 - via_upstream - \"-\" 12 345 7 5 \"10.1.1.1\" \"curl/8.5\" \"5f1c\" \"reviews:9080\" \"127.0.0.1:9081\" "
            + "outbound|9080|v1|reviews.default.svc.cluster.local - 127.0.0.1:15001 10.0.0.7:51234 - reviews-v1\n",
            line);
    }

    [Fact]
    public void Envoy_ProxiedRequest_IsEnvoysDefaultFormat()
    {
        var line = Format(AccessLogFormat.Envoy, Proxied(Parse(Head), Cluster(), new HttpResponseHead()));

        Assert.Equal("[2026-11-26T03:15:33.123Z] \"GET /reviews/1?x=2 HTTP/1.1\" 200 - 12 345 7 5 \"10.1.1.1\" \"curl/8.5\" \"5f1c\" \"reviews:9080\" \"127.0.0.1:9081\"\n", line);
    }

    [Fact]
    public void Text_NoRoute_HasFlagDetailsAndDashes()
    {
        var line = Format(AccessLogFormat.Text, Local(Parse("GET /nope HTTP/1.1\r\nHost: reviews\r\n\r\n"), 404, ResponseFlags.NoRoute));

        Assert.Equal("[2026-11-26T03:15:33.123Z] \"GET /nope HTTP/1.1\" 404 NR route_not_found - \"-\" 0 0 0 - \"-\" \"-\" \"-\" \"reviews\" \"-\" - - [::1]:15001 [::1]:40000 - -\n", line);
    }

    [Fact]
    public void Text_SeveralFlags_AreCommaSeparatedInEnvoysOrder()
    {
        var line = Format(AccessLogFormat.Text, Local(Parse("GET / HTTP/1.1\r\nHost: r\r\n\r\n"), 503, ResponseFlags.UpstreamRetryLimitExceeded | ResponseFlags.UpstreamConnectionFailure, Cluster()));

        Assert.Contains("\" 503 UF,URX upstream_reset_before_response_started{connection_failure} - ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_RejectedHead_LogsDashesForWhatWasNeverParsed()
    {
        var request = new HttpRequestHead();
        var line = Format(AccessLogFormat.Text, Local(request, 400, ResponseFlags.DownstreamProtocolError));

        Assert.StartsWith("[2026-11-26T03:15:33.123Z] \"- - HTTP/1.1\" 400 DPE http1.codec_error - \"-\" 0 0 0 - ", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_RewrittenPath_LogsTheOriginalPath()
    {
        var request = Parse("GET /v2/reviews HTTP/1.1\r\nHost: r\r\nx-envoy-original-path: /reviews\r\n\r\n");

        Assert.Contains("\"GET /reviews HTTP/1.1\"", Format(AccessLogFormat.Text, Local(request, 200, ResponseFlags.None)), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_HasIstiosKeys_TypedValues_AndNullForUnset()
    {
        var line = Format(AccessLogFormat.Json, Proxied(Parse(Head), Cluster(), new HttpResponseHead()));

        Assert.EndsWith("}\n", line, StringComparison.Ordinal);
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal("2026-11-26T03:15:33.123Z", json.GetProperty("start_time").GetString());
        Assert.Equal("GET", json.GetProperty("method").GetString());
        Assert.Equal("/reviews/1?x=2", json.GetProperty("path").GetString());
        Assert.Equal("HTTP/1.1", json.GetProperty("protocol").GetString());
        Assert.Equal(200, json.GetProperty("response_code").GetInt32());
        Assert.Equal("-", json.GetProperty("response_flags").GetString());
        Assert.Equal("via_upstream", json.GetProperty("response_code_details").GetString());
        Assert.Equal(12, json.GetProperty("bytes_received").GetInt64());
        Assert.Equal(345, json.GetProperty("bytes_sent").GetInt64());
        Assert.Equal(7, json.GetProperty("duration").GetInt64());
        Assert.Equal("5", json.GetProperty("upstream_service_time").GetString());
        Assert.Equal("10.1.1.1", json.GetProperty("x_forwarded_for").GetString());
        Assert.Equal("curl/8.5", json.GetProperty("user_agent").GetString());
        Assert.Equal("5f1c", json.GetProperty("request_id").GetString());
        Assert.Equal("reviews:9080", json.GetProperty("authority").GetString());
        Assert.Equal("127.0.0.1:9081", json.GetProperty("upstream_host").GetString());
        Assert.Equal("outbound|9080|v1|reviews.default.svc.cluster.local", json.GetProperty("upstream_cluster").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("upstream_local_address").ValueKind);
        Assert.Equal("127.0.0.1:15001", json.GetProperty("downstream_local_address").GetString());
        Assert.Equal("10.0.0.7:51234", json.GetProperty("downstream_remote_address").GetString());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("requested_server_name").ValueKind);
        Assert.Equal("reviews-v1", json.GetProperty("route_name").GetString());
        Assert.Equal(1, json.GetProperty("upstream_request_attempt_count").GetInt32());
    }

    [Fact]
    public void Json_LocalReply_HasNullsWhereNothingWasSet()
    {
        var json = JsonDocument.Parse(Format(AccessLogFormat.Json, Local(Parse("GET /nope HTTP/1.1\r\nHost: r\r\n\r\n"), 404, ResponseFlags.NoRoute))).RootElement;

        Assert.Equal("NR", json.GetProperty("response_flags").GetString());
        Assert.Equal("route_not_found", json.GetProperty("response_code_details").GetString());
        foreach (var key in new[] { "upstream_service_time", "user_agent", "request_id", "upstream_host", "upstream_cluster", "route_name" })
        {
            Assert.Equal(JsonValueKind.Null, json.GetProperty(key).ValueKind);
        }
    }

    [Fact]
    public void Json_EscapesQuotesBackslashesTabs_AndReadsNonUtf8AsLatin1()
    {
        // obs-text (0xE9 alone is not UTF-8) is legal in a field value (RFC 9110 §5.5).
        var head = "GET / HTTP/1.1\r\nHost: r\r\nUser-Agent: a\"b\\c\td\xE9\r\n\r\n";

        var line = Format(AccessLogFormat.Json, Local(Parse(head), 200, ResponseFlags.None));

        Assert.Equal("a\"b\\c\td\u00e9", JsonDocument.Parse(line).RootElement.GetProperty("user_agent").GetString());
        Assert.Contains("\"user_agent\":\"a\\\"b\\\\c\\td\\u00e9\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_KeepsValidUtf8AsIs()
    {
        var request = new HttpRequestHead();
        request.AddHeader("user-agent"u8, "caf\u00e9 \u2603"u8.ToArray());

        var line = Format(AccessLogFormat.Json, Local(request, 200, ResponseFlags.None));

        Assert.Contains("\"user_agent\":\"caf\u00e9 \u2603\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Timestamp_IsUtcWithMilliseconds_AndFollowsTheSecondOnOneThread()
    {
        var w = new LineWriter(new byte[8]);
        var t = new DateTimeOffset(2026, 12, 31, 23, 59, 59, 999, TimeSpan.FromHours(2));

        w.WriteTimestamp(t);
        w.Write((byte)' ');
        w.WriteTimestamp(t.AddMilliseconds(1));
        w.Write((byte)' ');
        w.WriteTimestamp(t.AddMilliseconds(-998));
        w.Write((byte)' ');
        w.WriteTimestamp(new DateTimeOffset(2027, 1, 1, 0, 0, 0, 5, TimeSpan.Zero));

        Assert.Equal("2026-12-31T21:59:59.999Z 2026-12-31T22:00:00.000Z 2026-12-31T21:59:59.001Z 2027-01-01T00:00:00.005Z", Encoding.ASCII.GetString(w.Written));
    }

    [Theory]
    [InlineData("text")]
    [InlineData("envoy")]
    [InlineData("json")]
    public void Format_AllocatesNothing_OnceTheBufferIsLargeEnough(string formatName)
    {
        var format = Enum.Parse<AccessLogFormat>(formatName, ignoreCase: true);
        var request = Parse(Head);
        var cluster = Cluster();
        var response = new HttpResponseHead();
        var buffer = new byte[4096];

        Allocations.AssertSteadyStateAllocatesNothing(_ => FormatInto(buffer, format, Proxied(request, cluster, response)));
    }

    private static void FormatInto(byte[] buffer, AccessLogFormat format, in CompletedRequest completed)
    {
        var w = new LineWriter(buffer);
        AccessLogFormatter.Write(ref w, format, completed);
    }
}
