using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// Every pairing of client and upstream protocol through the proxy — h1→h1, h1→h2, h2→h1, h2→h2 —
/// with the same requests: the upstream is chosen by its port's protocol (HTTP or HTTP2), the
/// client by h2c prior knowledge. The echo upstream says what it received.
/// </summary>
public sealed class ProtocolTranslationTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("plain", "multiplexed");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    public static TheoryData<bool, bool> Pairings => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    private Task<TestSidecar> StartAsync(bool clientHttp2) => TestSidecar.StartAsync(
    [
        ServiceEntry("plain", "HTTP", _upstreams.PortOf("plain")),
        ServiceEntry("multiplexed", "HTTP2", _upstreams.PortOf("multiplexed")),
    ], http2: clientHttp2);

    private static string ServiceEntry(string host, string protocol, int upstreamPort)
        => MeshYaml.Service(host, 8080, "web", [(upstreamPort, new Dictionary<string, string>())], protocol);

    private static string Host(bool upstreamHttp2) => upstreamHttp2 ? "multiplexed:8080" : "plain:8080";

    [Theory]
    [MemberData(nameof(Pairings))]
    public async Task Get_ReachesTheUpstreamInItsProtocol_WithTheAuthority(bool clientHttp2, bool upstreamHttp2)
    {
        await using var sidecar = await StartAsync(clientHttp2);

        var reply = await sidecar.SendAsync(HttpMethod.Get, Host(upstreamHttp2), "/a/b?q=1", ("x-custom", "yes"));

        Assert.Equal(HttpStatusCode.OK, reply.Message.StatusCode);
        Assert.Equal(clientHttp2 ? HttpVersion.Version20 : HttpVersion.Version11, reply.Message.Version);
        Assert.Equal(upstreamHttp2 ? "multiplexed" : "plain", reply.ServedBy);
        Assert.Equal("/a/b?q=1", reply.Path);
        Assert.Equal(Host(upstreamHttp2), reply.Authority);
        Assert.Equal(upstreamHttp2 ? "HTTP/2" : null, reply.Json.TryGetProperty("protocol", out var protocol) ? protocol.GetString() : null);
        Assert.Equal("yes", reply.UpstreamHeader("x-custom"));
        Assert.Equal("1", reply.UpstreamHeader("x-envoy-attempt-count"));
        Assert.Equal("http", reply.UpstreamHeader("x-forwarded-proto"));
    }

    [Theory]
    [MemberData(nameof(Pairings))]
    public async Task Bodies_SizedAndUnsized_ArriveWhole(bool clientHttp2, bool upstreamHttp2)
    {
        await using var sidecar = await StartAsync(clientHttp2);

        // 100 B and 30 kB usually arrive whole (to HTTP/2: head, body and end queued at once, the
        // small one held in one block); 300 kB streams.
        foreach (var (size, sized) in new[] { (100, true), (30_000, true), (300_000, true), (300_000, false) })
        {
            var body = new byte[size];
            new Random(size).NextBytes(body);
            using var request = sidecar.NewRequest(HttpMethod.Post, "/upload");
            request.Headers.Host = Host(upstreamHttp2);
            request.Headers.Add("x-echo-body", "true");
            request.Content = sized ? new ByteArrayContent(body) : new StreamContent(new MemoryStream(body), 7_000);
            if (!sized)
            {
                request.Headers.TransferEncodingChunked = !clientHttp2; // HTTP/2 has no chunked; the length is just not declared
            }

            using var response = await sidecar.Client.SendAsync(request);
            var echoed = await response.Content.ReadAsByteArrayAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(body.AsSpan().SequenceEqual(echoed), $"{size} bytes, sized={sized}: {echoed.Length} bytes echoed");
        }
    }

    [Theory]
    [MemberData(nameof(Pairings))]
    public async Task LargeDownload_StreamsThrough(bool clientHttp2, bool upstreamHttp2)
    {
        await using var sidecar = await StartAsync(clientHttp2);
        const int size = 8 * 1024 * 1024;

        using var request = sidecar.NewRequest(HttpMethod.Get, "/download");
        request.Headers.Host = Host(upstreamHttp2);
        request.Headers.Add("x-echo-bytes", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var response = await sidecar.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        long total = 0;
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            total += n;
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(size, total);
    }

    [Theory]
    [InlineData("trailers", "trailers")]
    [InlineData("trailers, deflate;q=0.5", "trailers")]
    [InlineData("gzip", null)]
    public async Task Te_OnlyTrailersCrossesIntoHttp2(string sent, string? expected)
    {
        await using var sidecar = await StartAsync(clientHttp2: false);

        var reply = await sidecar.SendAsync(HttpMethod.Get, Host(upstreamHttp2: true), "/", ("te", sent));

        Assert.Equal(expected, reply.UpstreamHeader("te"));
    }

    [Fact]
    public async Task ConnectionSpecificFields_AreNotForwardedToHttp2()
    {
        await using var sidecar = await StartAsync(clientHttp2: false);

        var reply = await sidecar.SendAsync(HttpMethod.Get, Host(upstreamHttp2: true), "/", ("connection", "x-hop, keep-alive"), ("x-hop", "1"), ("keep-alive", "timeout=5"), ("x-end", "2"));

        Assert.Null(reply.UpstreamHeader("connection"));
        Assert.Null(reply.UpstreamHeader("keep-alive"));
        Assert.Null(reply.UpstreamHeader("x-hop"));
        Assert.Equal("2", reply.UpstreamHeader("x-end"));
    }

    [Fact]
    public async Task Http2ResponseTrailers_ReachAnHttp2Client()
    {
        await using var sidecar = await StartAsync(clientHttp2: true);

        using var request = sidecar.NewRequest(HttpMethod.Get, "/");
        request.Headers.Host = Host(upstreamHttp2: true);
        request.Headers.Add("x-echo-grpc-status", "7");
        request.Headers.Add("x-echo-grpc-message", "denied");
        using var response = await sidecar.Client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("7", response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.Equal("denied", response.TrailingHeaders.GetValues("grpc-message").Single());
    }

    [Fact]
    public async Task UpstreamDown_Http2Client_GetsEnvoysLocalReply()
    {
        await using var sidecar = await StartAsync(clientHttp2: true);
        await _upstreams.StopAsync("multiplexed");

        var reply = await sidecar.SendAsync(HttpMethod.Get, Host(upstreamHttp2: true));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, reply.Message.StatusCode);
        Assert.Equal(Engine.Proxy.LocalReplies.ConnectFailureBody, reply.Body);
    }

    [Theory]
    [InlineData(false, "HTTP2")]
    [InlineData(true, "HTTP2")]
    [InlineData(false, "HTTP")]
    [InlineData(true, "HTTP")]
    public async Task UseClientProtocol_SpeaksToTheUpstreamInTheClientsProtocol_WhateverThePortSays(bool clientHttp2, string portProtocol)
    {
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("either", 8080, "web", [(_upstreams.PortOf("plain"), new Dictionary<string, string>())], portProtocol),
            """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: either}
            spec:
              host: either
              trafficPolicy:
                connectionPool:
                  http: {useClientProtocol: true}
            """,
        ], http2: clientHttp2);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "either:8080", "/");

        Assert.Equal(HttpStatusCode.OK, reply.Message.StatusCode);
        Assert.Equal(clientHttp2 ? "HTTP/2" : null, reply.Json.TryGetProperty("protocol", out var protocol) ? protocol.GetString() : null);
    }
}
