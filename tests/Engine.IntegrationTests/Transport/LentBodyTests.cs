using System.Net.Sockets;
using System.Text;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Transport;

/// <summary>
/// A large answer of known length goes to an HTTP/1.1 client lent: the epoll transport sends it
/// from the upstream connection's input, consumed only once it went out (the Kestrel transport
/// copies it, and must behave the same). Answers must arrive whole and in order with small ones
/// between them on one connection, a slow client must hold the upstream back without losing a
/// byte, and a client that leaves mid-answer must cost the upstream connection it left unread.
/// </summary>
public sealed class LentBodyTests
{
    /// <summary>An answer whose body is a running pattern, so a lost, repeated or shifted piece shows.</summary>
    private static string Answer(int size, char first)
        => $"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n" + Body(size, first);

    private static string Body(int size, char first) => string.Create(size, first, static (span, f) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (char)(f + (i % 19));
        }
    });

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task LargeAndSmallAnswers_OnOneConnection_ArriveWholeAndInOrder(string kind)
    {
        var sizes = new[] { 200_000, 13, 16_384, 70_000, 5, 1_000_000, 40_000 };
        await using var upstream = new ScriptedUpstream(x => x.SendAsync(Answer(sizes[(x.RequestNumber - 1) % sizes.Length], (char)('a' + x.RequestNumber))));
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), proxy: TransportChoice.On(kind));
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        for (var request = 1; request <= sizes.Length; request++)
        {
            await client.SendAsync($"GET /r{request} HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
            var response = await client.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.True(Body(sizes[request - 1], (char)('a' + request)) == response.Body, $"answer {request} ({sizes[request - 1]} bytes) arrived as {response.Body.Length} bytes, not whole or not in order");
            Assert.Equal(sizes[request - 1], (await sidecar.Telemetry.SingleAsync($"/r{request}")).BytesSent); // counted as lent, not from reused segments
        }
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task ASlowClient_HoldsTheUpstreamBack_AndGetsEveryByte(string kind)
    {
        const int size = 3_000_000;
        await using var upstream = new ScriptedUpstream(x => x.SendAsync(Answer(size, 'A')));
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), proxy: TransportChoice.On(kind));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 8192 };
        await client.ConnectAsync(sidecar.Endpoint);
        await client.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: svc:8080\r\nConnection: close\r\n\r\n"), SocketFlags.None);

        // Read in small sips with pauses at first (the proxy's output fills, so the lent bytes
        // wait in the upstream's input), then the rest at full speed.
        var received = new MemoryStream();
        var buffer = new byte[4096];
        for (var sips = 0; ; sips++)
        {
            var n = await client.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30));
            if (n == 0)
            {
                break;
            }

            received.Write(buffer, 0, n);
            if (sips < 40)
            {
                await Task.Delay(5);
            }
        }

        var text = Encoding.ASCII.GetString(received.ToArray());
        var bodyStart = text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;
        Assert.StartsWith("HTTP/1.1 200", text, StringComparison.Ordinal);
        Assert.True(Body(size, 'A') == text[bodyStart..], $"{text.Length - bodyStart} body bytes arrived, not the {size} sent in order");
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task AClientLeavingMidAnswer_ThatUpstreamConnectionIsNotReused_OthersAreServed(string kind)
    {
        await using var upstream = new ScriptedUpstream(x => x.SendAsync(x.RequestNumber == 1 ? Answer(5_000_000, 'a') : Answer(20_000, 'k')));
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), proxy: TransportChoice.On(kind));

        using (var leaving = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 8192 })
        {
            await leaving.ConnectAsync(sidecar.Endpoint);
            await leaving.SendAsync(Encoding.ASCII.GetBytes("GET /leaving HTTP/1.1\r\nHost: svc:8080\r\n\r\n"), SocketFlags.None);
            var first = new byte[4096];
            Assert.True(await leaving.ReceiveAsync(first, SocketFlags.None) > 0);
            leaving.LingerState = new LingerOption(true, 0); // reset: the proxy's sends fail at once
        }

        var record = await sidecar.Telemetry.SingleAsync("/leaving");
        Assert.Contains("DC", record.FlagCodes, StringComparison.Ordinal);

        for (var i = 0; i < 3; i++)
        {
            await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);
            await client.SendAsync($"GET /next{i} HTTP/1.1\r\nHost: svc:8080\r\n\r\n");
            var response = await client.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.Equal(Body(20_000, 'k'), response.Body);
        }

        Assert.Equal(4, upstream.Requests);
        Assert.True(upstream.Connections >= 2, "the upstream connection left with an unread answer was used again");
    }
}
