using System.Net;
using System.Text;
using System.Text.Json;
using Engine.Http2;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;
using Engine.Upstream;

namespace Engine.IntegrationTests.Http2;

/// <summary>The upstream client connection and its pool against the h2 echo (our server) and against Kestrel.</summary>
public sealed class H2ClientConnectionTests
{
    [Fact]
    public async Task Get_AgainstEcho_ReturnsJsonAndCompletes()
    {
        await using var upstreams = await Upstreams.StartAsync("c1");
        await using var pool = H2Calls.Pool(new IPEndPoint(IPAddress.Loopback, upstreams.PortOf("c1")));

        var response = await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/a/b?q=1", "svc.local", ("x-test", "yes")));

        Assert.Equal(200, response.Status);
        Assert.Equal("c1", response.Headers["x-served-by"]);
        using var json = JsonDocument.Parse(response.Text);
        Assert.Equal("/a/b?q=1", json.RootElement.GetProperty("path").GetString());
        Assert.Equal("svc.local", json.RootElement.GetProperty("authority").GetString());
        Assert.Equal("yes", json.RootElement.GetProperty("headers").GetProperty("x-test").GetString());
        Assert.Equal(Http2StreamEndKind.Completed, response.End.Kind);
    }

    [Fact]
    public async Task Post_WithBodyAndTrailers_EchoSeesBothAndConnectionIsReused()
    {
        await using var upstreams = await Upstreams.StartAsync("c2");
        await using var pool = H2Calls.Pool(new IPEndPoint(IPAddress.Loopback, upstreams.PortOf("c2")));
        var body = Encoding.ASCII.GetBytes(new string('x', 100_000));

        var first = await H2Calls.SendAsync(pool, H2Calls.Request("POST", "/upload", "svc"), body, H2Calls.Trailers(("x-checksum", "abc")));
        var second = await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/again", "svc"));

        using var json = JsonDocument.Parse(first.Text);
        Assert.Equal(100_000, json.RootElement.GetProperty("bodyBytes").GetInt64());
        Assert.Equal("abc", json.RootElement.GetProperty("trailers").GetProperty("x-checksum").GetString());
        Assert.Equal(200, second.Status);
        Assert.Equal(1, pool.ConnectionsOpened);
        Assert.Equal(1, upstreams["c2"].Connections);
    }

    [Fact]
    public async Task ResponseTrailers_GrpcStatus_AreReadAfterTheBody()
    {
        await using var upstreams = await Upstreams.StartAsync("c3");
        await using var pool = H2Calls.Pool(new IPEndPoint(IPAddress.Loopback, upstreams.PortOf("c3")));

        var response = await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/grpc", "svc", ("x-echo-grpc-status", "14"), ("x-echo-grpc-message", "unavailable")));

        Assert.Equal(200, response.Status);
        Assert.NotNull(response.Trailers);
        Assert.Equal("14", response.Trailers!["grpc-status"]);
        Assert.Equal("unavailable", response.Trailers["grpc-message"]);
    }

    [Fact]
    public async Task LargeBodiesBothWays_FlowControlWindowsAreRefilled()
    {
        await using var upstreams = await Upstreams.StartAsync("c4");
        await using var pool = H2Calls.Pool(new IPEndPoint(IPAddress.Loopback, upstreams.PortOf("c4")));
        var upload = new byte[5 * 1024 * 1024];
        new Random(42).NextBytes(upload);

        var echoed = await H2Calls.SendAsync(pool, H2Calls.Request("POST", "/echo", "svc", ("x-echo-body", "1")), upload);
        var download = await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/big", "svc", ("x-echo-bytes", "6000000")));

        Assert.Equal(upload, echoed.Body);
        Assert.Equal(6_000_000, download.Body.Length);
        Assert.Equal(Http2StreamEndKind.Completed, download.End.Kind);
    }

    [Fact]
    public async Task ManyConcurrentStreams_ShareOneConnection()
    {
        await using var upstreams = await Upstreams.StartAsync("c5");
        await using var pool = H2Calls.Pool(new IPEndPoint(IPAddress.Loopback, upstreams.PortOf("c5")));

        var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => H2Calls.SendAsync(pool, H2Calls.Request("GET", "/n/" + i, "svc"))));

        // One message with everything: this case failed once under heavy parallel load and not since.
        var summary = $"statuses {string.Join(",", responses.Select(r => r.Status).Distinct())}, ends {string.Join(",", responses.Select(r => r.End.Kind).Distinct())}, connections opened {pool.ConnectionsOpened}, upstream requests {upstreams["c5"].Requests}";
        Assert.True(responses.All(r => r.Status == 200), summary);
        Assert.True(pool.ConnectionsOpened == 1, summary);
        Assert.True(upstreams["c5"].Requests == 64, summary);
    }

    [Fact]
    public async Task Kestrel_GetPostAndTrailers()
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var pool = H2Calls.Pool(kestrel.Endpoint);
        var body = Encoding.ASCII.GetBytes(new string('k', 300_000));

        var hello = await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/hello", "localhost"));
        var echo = await H2Calls.SendAsync(pool, H2Calls.Request("POST", "/echo", "localhost"), body);
        var trailers = await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/trailers", "localhost", ("te", "trailers")));

        Assert.Equal("hello from kestrel", hello.Text);
        Assert.Equal(body, echo.Body);
        Assert.Equal("payload", trailers.Text);
        Assert.Equal("7", trailers.Trailers!["grpc-status"]);
        Assert.Equal("denied", trailers.Trailers["grpc-message"]);
        Assert.Equal(1, pool.ConnectionsOpened);
    }

    [Fact]
    public async Task Kestrel_MaxConcurrentStreamsReached_PoolOpensMoreConnections()
    {
        await using var kestrel = await KestrelH2Server.StartAsync(maxStreamsPerConnection: 4);
        await using var pool = H2Calls.Pool(kestrel.Endpoint);

        // Learn the server's SETTINGS first, so the pool knows the limit is 4, not the assumed 100.
        await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/hello", "localhost"));
        var held = Enumerable.Range(0, 12).Select(_ => H2Calls.SendAsync(pool, H2Calls.Request("GET", "/gate", "localhost"))).ToArray();
        await WaitFor.ConditionAsync(() => kestrel.InGate == 12, because: "all 12 requests reach the server");
        kestrel.OpenGate();
        var responses = await Task.WhenAll(held);

        Assert.All(responses, r => Assert.Equal("passed", r.Text));
        Assert.True(pool.ConnectionsOpened >= 3, "opened " + pool.ConnectionsOpened);
    }

    [Fact]
    public async Task Kestrel_StreamCapOfOne_TwentyHeldRequests_OpenTwentyConnections()
    {
        await using var kestrel = await KestrelH2Server.StartAsync(maxStreamsPerConnection: 100);
        await using var pool = H2Calls.Pool(kestrel.Endpoint, settings: UpstreamPoolSettings.Default with { MaxConcurrentStreams = 1 });

        // More requests at once than the pool's rounds (16): connects that went one after another
        // left the last requests without a stream.
        var held = Enumerable.Range(0, 20).Select(_ => H2Calls.SendAsync(pool, H2Calls.Request("GET", "/gate", "localhost"))).ToArray();
        await WaitFor.ConditionAsync(() => kestrel.InGate == 20 || held.Any(t => t.IsFaulted), because: "all 20 requests reach the server");
        if (held.FirstOrDefault(t => t.IsFaulted) is { } failed)
        {
            await failed; // says why the pool gave that request no stream
        }

        var connections = kestrel.GateConnections;
        kestrel.OpenGate();
        var responses = await Task.WhenAll(held);

        Assert.All(responses, r => Assert.Equal("passed", r.Text));
        Assert.Equal(20, connections);
        Assert.Equal(20, pool.ConnectionsOpened);
    }

    [Fact]
    public async Task Kestrel_StreamCapAboveTheServersLimit_TheServersLimitApplies()
    {
        await using var kestrel = await KestrelH2Server.StartAsync(maxStreamsPerConnection: 2);
        await using var pool = H2Calls.Pool(kestrel.Endpoint, settings: UpstreamPoolSettings.Default with { MaxConcurrentStreams = 5 });

        await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/hello", "localhost"));
        var held = Enumerable.Range(0, 6).Select(_ => H2Calls.SendAsync(pool, H2Calls.Request("GET", "/gate", "localhost"))).ToArray();
        await WaitFor.ConditionAsync(() => kestrel.InGate == 6, because: "all 6 requests reach the server");
        var connections = kestrel.GateConnections;
        kestrel.OpenGate();
        var responses = await Task.WhenAll(held);

        Assert.All(responses, r => Assert.Equal("passed", r.Text));
        Assert.Equal(3, connections);
    }

    [Fact]
    public async Task StreamCap_IsAdvertisedAsOurMaxConcurrentStreams()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var endpoint = (IPEndPoint)listener.LocalEndpoint;
        await using var pool = H2Calls.Pool(endpoint, settings: UpstreamPoolSettings.Default with { MaxConcurrentStreams = 7 });

        var accept = listener.AcceptSocketAsync();
        var open = await pool.OpenStreamAsync(); // our preface and SETTINGS go out on connect
        using var server = await accept;
        var settings = await ReadClientSettingsAsync(server);
        open.Stream?.Dispose();
        server.Close();

        Assert.True(open.Opened);
        Assert.Equal(7u, settings[Http2SettingsParameter.MaxConcurrentStreams]);
        Assert.Equal(0u, settings[Http2SettingsParameter.EnablePush]);
    }

    /// <summary>The client preface, then the parameters of the SETTINGS frame that must follow it (RFC 9113 §3.4).</summary>
    private static async Task<Dictionary<Http2SettingsParameter, uint>> ReadClientSettingsAsync(System.Net.Sockets.Socket server)
    {
        async Task<byte[]> ReadExactlyAsync(int count)
        {
            var buffer = new byte[count];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            for (var read = 0; read < count;)
            {
                var n = await server.ReceiveAsync(buffer.AsMemory(read), System.Net.Sockets.SocketFlags.None, timeout.Token);
                Assert.True(n > 0, "the client closed before its SETTINGS");
                read += n;
            }

            return buffer;
        }

        var preface = await ReadExactlyAsync(Http2Preface.Length);
        Assert.True(preface.AsSpan().SequenceEqual(Http2Preface.ClientPreface), "the client preface");
        var header = await ReadExactlyAsync(9);
        Assert.Equal((byte)Http2FrameType.Settings, header[3]);
        var payload = await ReadExactlyAsync((header[0] << 16) | (header[1] << 8) | header[2]);
        var settings = new Dictionary<Http2SettingsParameter, uint>();
        for (var i = 0; i + 6 <= payload.Length; i += 6)
        {
            settings[(Http2SettingsParameter)((payload[i] << 8) | payload[i + 1])] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
        }

        return settings;
    }
}
