using System.Text;
using Engine.IntegrationTests.Http2.Defences;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// An HTTP/1.1 answer of known length goes to an HTTP/2 client lent, not copied: the client's
/// stream frames it straight from the upstream connection's input, which is consumed only as it
/// goes out. So the client's windows hold the upstream back, a client that resets mid-answer
/// leaves an upstream connection with unread bytes (which must be closed, not reused), and an
/// upstream that dies mid-answer must reset the client's stream, never end it.
/// </summary>
public sealed class LentAnswerTests
{
    private const int AnswerBytes = 300_000;

    /// <summary>The answer's body: a running pattern, so a lost, repeated or shifted piece shows.</summary>
    private static string Pattern(int length, char first) => string.Create(length, first, static (span, f) =>
    {
        for (var i = 0; i < span.Length; i++)
        {
            span[i] = (char)(f + (i % 23));
        }
    });

    [Fact]
    public async Task SizedAnswer_UnderASmallWindow_ArrivesWhole_EndingOnItsLastBytes()
    {
        await using var upstream = new ScriptedUpstream(x => x.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {AnswerBytes}\r\n\r\n{Pattern(AnswerBytes, 'a')}"));
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), http2: true);
        await using var client = await RawH2Client.HandshakeAsync(sidecar.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 10_000));

        await client.SendAsync(ProxyH2.Request(1, "svc:8080"));
        var body = new List<byte>();
        RawFrame? last = null;
        while (last is not { EndStream: true })
        {
            var frame = await client.ReadFrameAsync();
            Assert.NotNull(frame);
            Assert.NotEqual(Http2FrameType.RstStream, frame.Type);
            if (frame.StreamId == 1 && frame.Type == Http2FrameType.Data)
            {
                body.AddRange(frame.Payload);
                Assert.True(body.Count <= AnswerBytes, "more bytes than the answer has");

                // Credit for what arrived, as a client reading at its own pace gives it.
                if (frame.Payload.Length > 0)
                {
                    await client.SendWindowUpdateAsync(1, frame.Payload.Length);
                    await client.SendWindowUpdateAsync(0, frame.Payload.Length);
                }
            }

            if (frame.StreamId == 1 && frame.Type is Http2FrameType.Data or Http2FrameType.Headers)
            {
                last = frame;
            }
        }

        Assert.Equal(Pattern(AnswerBytes, 'a'), Encoding.ASCII.GetString([.. body]));
        Assert.True(last.Type == Http2FrameType.Data && last.Payload.Length > 0, "END_STREAM should ride on the last bytes");
    }

    [Fact]
    public async Task ClientResetsMidAnswer_ThatUpstreamConnectionIsClosed_TheNextAnswersAreWhole()
    {
        await using var upstream = new ScriptedUpstream(x =>
        {
            var size = x.RequestNumber == 1 ? AnswerBytes : 1000 * x.RequestNumber;
            return x.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n{Pattern(size, (char)('a' + x.RequestNumber))}");
        });
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), http2: true);
        await using var client = await RawH2Client.HandshakeAsync(sidecar.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 0));

        // The answer waits for credit that never comes: most of it stays unread upstream.
        await client.SendAsync(ProxyH2.Request(1, "svc:8080"));
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);
        await client.SendRstAsync(1);

        await client.SendAsync(RawH2Client.Frames(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(Http2SettingsParameter.InitialWindowSize, 1 << 20)])));
        await client.SendWindowUpdateAsync(0, 1 << 24);
        for (var request = 2; request <= 6; request++)
        {
            var streamId = (2 * request) - 1;
            await client.SendAsync(ProxyH2.Request(streamId, "svc:8080"));
            var (head, body, reset) = await client.ReadResponseAsync(streamId);
            Assert.Null(reset);
            Assert.Equal(200, head?.StatusCode);
            Assert.Equal(Pattern(1000 * request, (char)('a' + request)), Encoding.ASCII.GetString(body));
        }

        // The connection left with unread bytes was not used again: the second request opened another.
        Assert.Equal(6, upstream.Requests);
        Assert.True(upstream.Connections >= 2, $"{upstream.Connections} upstream connection(s): the one with an unread answer was reused");
    }

    [Fact]
    public async Task UpstreamDiesMidAnswer_TheStreamIsReset_NotEnded_AndTheConnectionServesOn()
    {
        await using var upstream = new ScriptedUpstream(async x =>
        {
            if (x.RequestNumber == 1)
            {
                await x.SendAsync($"HTTP/1.1 200 OK\r\nContent-Length: {AnswerBytes}\r\n\r\n{Pattern(5000, 'a')}");
                x.Reset();
                return;
            }

            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var sidecar = await TestSidecar.StartAsync(MeshYaml.OneService(upstream.Port), http2: true);
        await using var client = await RawH2Client.HandshakeAsync(sidecar.Endpoint);

        await client.SendAsync(ProxyH2.Request(1, "svc:8080"));
        var (head, body, reset) = await client.ReadResponseAsync(1);
        Assert.Equal(200, head?.StatusCode);
        Assert.NotNull(reset);
        Assert.Equal(Http2FrameType.RstStream, reset.Type);
        Assert.True(body.Length < AnswerBytes, "a cut answer must not arrive as a whole one");

        await client.SendAsync(ProxyH2.Request(3, "svc:8080"));
        var (next, nextBody, nextReset) = await client.ReadResponseAsync(3);
        Assert.Null(nextReset);
        Assert.Equal(200, next?.StatusCode);
        Assert.Equal("ok", Encoding.ASCII.GetString(nextBody));
    }

    [Fact]
    public async Task Http2UpstreamAnswer_OfKnownLength_IsLentWhole_ThenItsTrailersEndTheStream()
    {
        // The echo upstream over HTTP/2: x-echo-bytes with a content-length, then grpc-status as trailers.
        await using var upstreams = await Upstreams.StartAsync("multiplexed");
        await using var sidecar = await TestSidecar.StartAsync(
            [MeshYaml.Service("multiplexed", 8080, "web", [(upstreams.PortOf("multiplexed"), new Dictionary<string, string>())], "HTTP2")], http2: true);
        await using var client = await RawH2Client.HandshakeAsync(sidecar.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 1 << 20));
        await client.SendWindowUpdateAsync(0, 1 << 24);

        for (var streamId = 1; streamId <= 5; streamId += 2)
        {
            await client.SendAsync(ProxyH2.Request(streamId, "multiplexed:8080", endStream: true, ("x-echo-bytes", "100000"), ("x-echo-grpc-status", "0")));
            var frames = new List<RawFrame>();
            while (frames.Count == 0 || !frames[^1].EndStream)
            {
                var frame = await client.ReadFrameAsync();
                Assert.NotNull(frame);
                Assert.False(frame.Type == Http2FrameType.RstStream && frame.StreamId == streamId, "the stream was reset");
                if (frame.StreamId == streamId)
                {
                    frames.Add(frame);
                }
            }

            Assert.Equal(100_000, frames.Where(f => f.Type == Http2FrameType.Data).Sum(f => f.Payload.Length));
            Assert.Equal(Http2FrameType.Headers, frames[0].Type);
            Assert.True(frames[^1].Type == Http2FrameType.Headers && frames.Count > 2, "the trailers should end the stream, after the data");
        }
    }
}
