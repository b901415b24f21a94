using Engine.IntegrationTests.Drills;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;
using Xunit.Abstractions;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>
/// SETTINGS (CVE-2019-9515) and PING (CVE-2019-9512) floods from a client that never reads the
/// acknowledgements, against the running proxy: once the socket is full, the acknowledgements it
/// cannot send pile up in <see cref="Http2OutboundFrameBudget"/>, and past 1,000 of them the proxy
/// must drop the connection instead of queueing without end.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class ControlFrameFloodDefenceTests(ITestOutputHelper output)
{
    /// <summary>Frames per write, and writes at most: 4 million frames, far more than the socket buffers on both sides hold.</summary>
    private const int FramesPerWrite = 1_000;
    private const int MaxWrites = 4_000;

    public static TheoryData<string> Floods => ["SETTINGS", "PING"];

    [Theory]
    [MemberData(nameof(Floods))]
    public async Task ControlFrameFlood_AcksNeverRead_ConnectionDropped_NotQueuedWithoutEnd_OthersServed(string kind)
    {
        await using var drill = await H2Drill.StartAsync();
        var rssBefore = drill.Proxy.ResidentBytes();

        // A small receive buffer (set before connecting) so the acknowledgements back up soon.
        await using var attacker = await RawH2Client.ConnectAsync(drill.Proxy.Endpoint, receiveBufferSize: 4096);
        await attacker.SendPrefaceAsync();
        var frame = kind == "PING"
            ? RawH2Client.Frames(w => Http2FrameWriter.WritePing(w, 0x0102030405060708, ack: false))
            : RawH2Client.Frames(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(Http2SettingsParameter.MaxConcurrentStreams, 100)]));
        var batch = new byte[frame.Length * FramesPerWrite];
        for (var i = 0; i < FramesPerWrite; i++)
        {
            frame.CopyTo(batch, i * frame.Length);
        }

        // Writes stop when the proxy closes (or, if it stopped reading instead, when a write stays
        // blocked for the time limit: the connection must then still be closed below).
        var written = await ProxyH2.FloodAsync(attacker, _ => batch, MaxWrites, TimeSpan.FromSeconds(60));
        var rssPeak = drill.Proxy.PeakResidentBytes() - rssBefore;

        // Only now read: the acknowledgements the socket held, then GOAWAY if the proxy could still
        // queue it, then the close.
        var goAway = await ProxyH2.GoAwayOrCloseAsync(attacker, maxFrames: 10_000_000);
        var acks = attacker.Received.Count(f => f.IsAck);
        output.WriteLine($"{kind}: wrote {written * FramesPerWrite} frames, read {acks} ACKs, then {goAway?.ToString() ?? "close"}; RSS peak +{rssPeak >> 10} KiB");
        Assert.True(written < MaxWrites, $"the proxy took all {MaxWrites * FramesPerWrite} frames without closing");
        if (goAway is not null)
        {
            Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway.ErrorCode);
            Assert.Equal("http2.outbound_control_flood", goAway.DebugData);
        }

        Assert.True(await ProxyH2.ClosedAsync(attacker), "the connection stayed open");
        Assert.True(acks < written * FramesPerWrite, "every frame was acknowledged: nothing was refused");
        Assert.True(rssPeak < 64L << 20, $"RSS peaked {rssPeak >> 20} MiB above where it was");

        await drill.AssertOthersServedAndReleasedAsync();
    }
}
