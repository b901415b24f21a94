using System.Net.Sockets;
using System.Text;
using Engine.IntegrationTests.Http2.Defences;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Proxying;

/// <summary>
/// A client that leaves while its request waits for the upstream's answer (an HTTP/1.1 client closes
/// its connection, an HTTP/2 client resets its stream): Envoy resets the upstream request at once
/// (its connection is not kept for a response nobody reads), logs the request with DC, and the
/// next requests are served.
/// </summary>
public sealed class ClientGoneTests
{
    /// <summary>
    /// An upstream that answers "ok" to everything but GET /slow, which it never answers: it reads
    /// on until the proxy closes that connection (0 bytes, or a reset). <c>Waiting</c> completes when
    /// /slow has arrived, <c>Closed</c> when its connection ended.
    /// </summary>
    private static (ScriptedUpstream Upstream, TaskCompletionSource Waiting, TaskCompletionSource Closed) NeverAnswersSlow()
    {
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var upstream = new ScriptedUpstream(async x =>
        {
            if (!x.Head.StartsWith("GET /slow ", StringComparison.Ordinal))
            {
                await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                return;
            }

            waiting.TrySetResult();
            try
            {
                await x.ReadBodyAsync(1);
            }
            finally
            {
                closed.TrySetResult();
            }
        });
        return (upstream, waiting, closed);
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task ClientLeavesBeforeTheAnswer_UpstreamConnectionClosedAtOnce_LoggedDC_NextClientServed(string kind)
    {
        var (upstream, waiting, upstreamClosed) = NeverAnswersSlow();
        await using var _ = upstream;
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), proxy: TransportChoice.On(kind));

        using (var leaving = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await leaving.ConnectAsync(sidecar.Endpoint);
            await leaving.SendAsync(Encoding.ASCII.GetBytes("GET /slow HTTP/1.1\r\nHost: svc:8080\r\n\r\n"), SocketFlags.None);
            await waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
            leaving.Shutdown(SocketShutdown.Both); // a FIN, as a client that gave up sends
        }

        // No route timeout applies (Istio's default is none): only the client's leaving ends it.
        await upstreamClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var record = await sidecar.Telemetry.SingleAsync("/slow");
        Assert.Contains("DC", record.FlagCodes, StringComparison.Ordinal);

        for (var i = 0; i < 3; i++)
        {
            await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);
            await client.SendAsync($"GET /next{i} HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
            var response = await client.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Equal("ok", response.Body);
        }
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task Http2ClientResetsBeforeTheAnswer_UpstreamConnectionClosedAtOnce_LoggedDC_StreamsAfterServed(string kind)
    {
        var (upstream, waiting, upstreamClosed) = NeverAnswersSlow();
        await using var _ = upstream;
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), proxy: TransportChoice.On(kind));
        await using var client = await RawH2Client.HandshakeAsync(sidecar.Endpoint);

        await client.SendAsync(RawH2Client.Frames(w => Http2FrameWriter.WriteHeaders(w, 1, RawH2Client.Block(
            (":method", "GET"), (":scheme", "http"), (":authority", "svc:8080"), (":path", "/slow")), endStream: true, 16_384)));
        await waiting.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await client.SendRstAsync(1);

        await upstreamClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var record = await sidecar.Telemetry.SingleAsync("/slow");
        Assert.Contains("DC", record.FlagCodes, StringComparison.Ordinal);

        // The connection goes on: its later streams are served.
        for (var stream = 3; stream <= 7; stream += 2)
        {
            await client.SendAsync(ProxyH2.Request(stream, "svc:8080"));
            var (head, body, _) = await client.ReadResponseAsync(stream);
            Assert.Equal(200, head?.StatusCode);
            Assert.Equal(2, body.Length);
        }
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task ClientsThatStay_KeepTheirUpstreamConnection_AcrossManyRequests(string kind)
    {
        await using var upstream = new ScriptedUpstream(x => x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), proxy: TransportChoice.On(kind));
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        for (var i = 0; i < 50; i++)
        {
            await client.SendAsync($"GET /stay{i} HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
            Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        }

        // A watch on the client that fired for a request that was over would abort a connection
        // the pool had taken back: every request went over the one upstream connection.
        Assert.Equal(1, upstream.Connections);
        Assert.Equal(50, upstream.Requests);
    }
}
