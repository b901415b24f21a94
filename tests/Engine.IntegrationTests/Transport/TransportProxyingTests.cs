using System.Net;
using System.Net.Sockets;
using System.Text;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Transport;

/// <summary>
/// The proxy on each transport (TransportSettings.Kind), both sides: the same traffic must come
/// out the same. The rest of the suite runs on the default transport.
/// </summary>
public sealed class TransportProxyingTests
{
    [Theory]
    [InlineData("Kestrel")]
    [InlineData("Epoll")]
    public async Task KeepAlive_BodiesOfEverySize_OverOneUpstreamConnection(string kind)
    {
        await using var upstreams = await Upstreams.StartAsync("svc-1");
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstreams.PortOf("svc-1")), proxy: TransportChoice.On(kind));

        foreach (var size in new[] { 0, 13, 4095, 32 * 1024, 64 * 1024, 64 * 1024 + 1, 1024 * 1024 })
        {
            using var response = await sidecar.GetAsync("svc:8080", "/", ("x-echo-bytes", size.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(size, (await response.Content.ReadAsByteArrayAsync()).Length);
        }

        Assert.Equal(1, upstreams["svc-1"].Connections); // one keep-alive upstream connection carried them all
    }

    [Theory]
    [InlineData("Kestrel")]
    [InlineData("Epoll")]
    public async Task LargeUpload_IsEchoedBackIntact(string kind)
    {
        await using var upstreams = await Upstreams.StartAsync("svc-1");
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstreams.PortOf("svc-1")), proxy: TransportChoice.On(kind));
        var body = new byte[6 * 1024 * 1024 + 3];
        new Random(42).NextBytes(body);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(body) };
        request.Headers.Host = "svc:8080";
        request.Headers.TryAddWithoutValidation("x-echo-body", "1");
        using var response = await sidecar.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var echoed = await response.Content.ReadAsByteArrayAsync();
        Assert.True(body.AsSpan().SequenceEqual(echoed));
    }

    [Theory]
    [InlineData("Kestrel")]
    [InlineData("Epoll")]
    public async Task ManyClientsAtOnce_AreAllServed(string kind)
    {
        await using var upstreams = await Upstreams.StartAsync("svc-1");
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstreams.PortOf("svc-1")), proxy: TransportChoice.On(kind));

        var clients = Enumerable.Range(0, 100).Select(async i =>
        {
            await using var raw = await RawHttp.ConnectAsync(sidecar.Endpoint);
            await raw.SendAsync($"GET /c{i} HTTP/1.1\r\nHost: svc:8080\r\nconnection: close\r\n\r\n");
            return await raw.ReadToEndAsync();
        });

        Assert.All(await Task.WhenAll(clients), r => Assert.StartsWith("HTTP/1.1 200", r, StringComparison.Ordinal));
    }

    /// <summary>
    /// After a truncated upstream response the proxy sets SO_LINGER 0 and aborts: the client must
    /// see a reset, never an end of stream (which would pass for the end of a close-delimited
    /// body).
    /// </summary>
    [Theory]
    [InlineData("Kestrel")]
    [InlineData("Epoll")]
    public async Task TruncatedResponse_ClientSeesReset_NotEndOfStream(string kind)
    {
        await using var upstream = new ScriptedUpstream(async x =>
        {
            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + new string('a', 1000));
            x.Close(); // FIN upstream, mid-body
        });
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), proxy: TransportChoice.On(kind));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(sidecar.Endpoint);
        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: svc:8080\r\n\r\n"), SocketFlags.None);

        var buffer = new byte[64 * 1024];
        var received = 0;
        var error = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            while (await client.ReceiveAsync(buffer, SocketFlags.None) is var n and > 0)
            {
                received += n;
            }
        });

        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        Assert.InRange(received, 0, 100_000);
    }
}
