using System.Text;
using System.Text.Json;
using Engine.IntegrationTests.Http2.Defences;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// A request that ends on its HEADERS frame never uses its stream's inbound pipe (the body reads as
/// empty and complete without it, and the pipe is not reset when the stream object is reused).
/// One connection, one request at a time, so the same stream object serves them in turn (the
/// connection's pool is a stack): bodiless and bodied requests alternate and follow each other, one bodiless request is reset by the client while the upstream
/// still works on it, and every body must reach the upstream whole — none lost, none carried over.
/// </summary>
public sealed class BodilessStreamReuseTests
{
    [Fact]
    public async Task BodilessAndBodiedRequests_Alternating_OnReusedStreams_EachUpstreamSeesItsOwnBody()
    {
        await using var upstreams = await Upstreams.StartAsync("svc");
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (upstreams.PortOf("svc"), "v1"))], http2: true);
        await using var client = await RawH2Client.HandshakeAsync(sidecar.Endpoint);

        var streamId = 1;
        for (var round = 0; round < 6; round++)
        {
            Assert.Equal(0, await GetAsync(streamId));
            streamId += 2;

            var body = Encoding.ASCII.GetBytes(new string((char)('a' + round), 100 + (round * 997)));
            Assert.Equal(body.Length, await PostAsync(streamId, body));
            streamId += 2;

            // A bodiless request reset while the upstream is still answering it: the abort must not
            // leave a cancelled read behind in the stream object that serves the next request.
            await client.SendAsync(ProxyH2.Request(streamId, "svc:8080", endStream: true, ("x-echo-delay-ms", "300")));
            await Task.Delay(50);
            await client.SendRstAsync(streamId);
            streamId += 2;

            Assert.Equal(body.Length + 1, await PostAsync(streamId, [.. body, (byte)'!']));
            streamId += 2;

            // Two bodies in a row: the pipe the first one used must be reset for the second.
            Assert.Equal(7, await PostAsync(streamId, "seven!!"u8.ToArray()));
            streamId += 2;

            // A request whose (empty) body ends with a DATA frame, not on its head.
            Assert.Equal(0, await PostAsync(streamId, []));
            streamId += 2;
        }

        async Task<long> GetAsync(int id)
        {
            await client.SendAsync(ProxyH2.Request(id, "svc:8080", endStream: true));
            return await UpstreamBodyBytesAsync(id);
        }

        async Task<long> PostAsync(int id, byte[] body)
        {
            var block = RawH2Client.Block(
                (":method", "POST"), (":scheme", "http"), (":authority", "svc:8080"), (":path", "/upload"),
                ("content-length", body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            await client.SendAsync(RawH2Client.Frames(w =>
            {
                Http2FrameWriter.WriteHeaders(w, id, block, endStream: false, 16_384);
                Http2FrameWriter.WriteData(w, id, new System.Buffers.ReadOnlySequence<byte>(body), true, 16_384);
            }));
            return await UpstreamBodyBytesAsync(id);
        }

        async Task<long> UpstreamBodyBytesAsync(int id)
        {
            // Frames of the reset stream may still come first; ReadResponseAsync skips other streams.
            var (head, responseBody, reset) = await client.ReadResponseAsync(id);
            Assert.Null(reset);
            Assert.Equal(200, head?.StatusCode);
            using var json = JsonDocument.Parse(responseBody);
            return json.RootElement.GetProperty("bodyBytes").GetInt64();
        }
    }
}
