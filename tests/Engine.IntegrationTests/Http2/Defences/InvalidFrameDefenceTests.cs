using Engine.IntegrationTests.Drills;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>
/// A sample of invalid frames and states sent through the running proxy (the Conformance suite
/// covers the rest against the bare connection): connection errors end in GOAWAY with the RFC's
/// code and a close; a stream error resets only its stream and the connection keeps serving.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class InvalidFrameDefenceTests
{
    [Fact]
    public async Task InvalidFrames_ThroughTheProxy_GetTheRfcErrors_OthersServed()
    {
        await using var drill = await H2Drill.StartAsync();

        // §6.1: DATA on stream 0 is a connection error PROTOCOL_ERROR.
        await using (var client = await drill.AttackerAsync())
        {
            await client.SendFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 0, [1, 2, 3]);
            await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
        }

        // §4.2: a frame over our SETTINGS_MAX_FRAME_SIZE (16 KiB) is FRAME_SIZE_ERROR.
        await using (var client = await drill.AttackerAsync())
        {
            await client.SendRequestAsync(1, endStream: false);
            await client.SendFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1, new byte[16_385]);
            await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
        }

        // §6.9.1: a WINDOW_UPDATE taking the connection window past 2^31-1 is FLOW_CONTROL_ERROR.
        await using (var client = await drill.AttackerAsync())
        {
            await client.SendWindowUpdateAsync(0, int.MaxValue);
            await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FlowControlError);
        }

        // §6.9.1: the same on an open stream (a slow upstream answer keeps it open) resets only
        // that stream; the connection then serves a request.
        await using (var client = await drill.AttackerAsync())
        {
            await client.SendAsync(ProxyH2.Request(1, H2Drill.VictimAuthority, endStream: true, ("x-echo-delay-ms", "2000")));
            await client.SendWindowUpdateAsync(1, int.MaxValue);
            await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.FlowControlError);
            await AssertServedAsync(client, 3);
        }

        // §8.2.1: an uppercase field name makes the request malformed: stream error PROTOCOL_ERROR,
        // never forwarded; the connection then serves a request.
        await using (var client = await drill.AttackerAsync())
        {
            var requestsBefore = drill.Victim.Requests;
            await client.SendAsync(ProxyH2.Request(1, H2Drill.VictimAuthority, endStream: true, ("X-Upper", "1")));
            await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
            Assert.Equal(requestsBefore, drill.Victim.Requests);
            await AssertServedAsync(client, 3);
        }

        await drill.AssertOthersServedAndReleasedAsync();
    }

    private static async Task AssertServedAsync(RawH2Client client, int streamId)
    {
        await client.SendAsync(ProxyH2.Request(streamId, H2Drill.VictimAuthority));
        var (head, _, reset) = await client.ReadResponseAsync(streamId);
        Assert.True(head is not null, "no response on the connection after the stream error: " + reset);
        Assert.Equal(200, head!.StatusCode);
    }
}
