using System.Buffers;
using Engine.IntegrationTests.Drills;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;
using Xunit.Abstractions;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>
/// Rapid Reset (CVE-2023-44487) against the running proxy: streams opened and reset at once, in
/// bulk. The proxy must close that connection (GOAWAY ENHANCE_YOUR_CALM, Envoy's premature-reset
/// rule in <see cref="Http2RapidResetGuard"/>) long before the upstream sees thousands of
/// requests, and keep serving everyone else.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class RapidResetDefenceTests(ITestOutputHelper output)
{
    private const int Streams = 10_000;
    private const int StreamsPerWrite = 100;

    /// <summary>
    /// How each stream is reset: by the client (RST_STREAM CANCEL), or by the proxy because the
    /// client made it (MadeYouReset, CVE-2025-8671: a WINDOW_UPDATE of 0 on the stream is a stream
    /// error PROTOCOL_ERROR, §6.9); the guard counts resets whoever sent them.
    /// </summary>
    public static TheoryData<string> Resets => ["RST_STREAM", "MadeYouReset"];

    [Theory]
    [MemberData(nameof(Resets))]
    public async Task RapidReset_ThousandsOfStreamsResetAtOnce_GoAwayEnhanceYourCalm_UpstreamNotFlooded_OthersServed(string reset)
    {
        await using var drill = await H2Drill.StartAsync();
        await using var attacker = await drill.AttackerAsync();

        // Each write: 100 × (HEADERS for a slow victim request, its reset), 10,000 streams
        // at most; the requests ask the echo to wait so the upstream work is still running when reset.
        var written = await ProxyH2.FloodAsync(
            attacker,
            batch => RawH2Client.Frames(w =>
            {
                for (var i = 0; i < StreamsPerWrite; i++)
                {
                    var streamId = (((batch * StreamsPerWrite) + i) * 2) + 1;
                    w.Write(ProxyH2.Request(streamId, H2Drill.VictimAuthority, endStream: true, ("x-echo-delay-ms", "200")));
                    if (reset == "RST_STREAM")
                    {
                        Http2FrameWriter.WriteRstStream(w, streamId, Http2ErrorCode.Cancel);
                    }
                    else
                    {
                        Http2FrameWriter.WriteFrame(w, Http2FrameType.WindowUpdate, Http2FrameFlags.None, streamId, [0, 0, 0, 0]);
                    }
                }
            }),
            Streams / StreamsPerWrite,
            TimeSpan.FromSeconds(30));

        var goAway = await ProxyH2.GoAwayOrCloseAsync(attacker);
        Assert.True(goAway is not null, $"the proxy closed without GOAWAY after {written * StreamsPerWrite} streams");
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.Contains("http2.premature_resets", goAway.DebugData, StringComparison.Ordinal);
        Assert.True(await ProxyH2.ClosedAsync(attacker), "the connection stayed open after GOAWAY");

        // Everyone else was served; once the proxy has let go of the attack's upstream work, the
        // victim's count is final (less the one check request the drill's end makes). The guard
        // trips at 250 premature resets (half of Envoy's 500): what reached the victim is what the
        // proxy dispatched before it read the resets, a fraction of what was sent.
        await drill.AssertOthersServedAndReleasedAsync();
        var upstreamRequests = drill.Victim.Requests - 1;
        output.WriteLine($"wrote {written * StreamsPerWrite} streams; the victim saw {upstreamRequests} requests on {drill.Victim.Connections} connections ({drill.Proxy.ConnectionsTo(drill.VictimPort)} still open); GOAWAY last stream {goAway.LastStreamId}");
        Assert.True(upstreamRequests <= 1_000, $"the victim saw {upstreamRequests} requests of the attack");
        Assert.True(drill.Victim.Connections <= 1_000, $"the proxy opened {drill.Victim.Connections} connections to the victim");
        Assert.True(drill.Proxy.ConnectionsTo(drill.VictimPort) <= 4, $"the proxy keeps {drill.Proxy.ConnectionsTo(drill.VictimPort)} connections to the victim open");
        Assert.True(goAway.LastStreamId < 2 * 1_000, $"GOAWAY names stream {goAway.LastStreamId}: more than 1,000 streams were accepted");
    }

    [Fact]
    public async Task ResetsAfterTheUpstreamRequestStarted_UpstreamWorkCancelled_ConnectionClosedWhenTooManyPile_OthersServed()
    {
        await using var drill = await H2Drill.StartAsync();
        await using var attacker = await drill.AttackerAsync();

        // Rounds of 100 slow requests (the echo answers after 10 s), each reset only once the
        // victim has them all: the client's slots free at once while the proxy's upstream work
        // would go on. The premature-reset rule (250 resets) or the cap on reset streams whose
        // work still runs (200) must end the connection by the third round; 10 rounds bound the test.
        RawFrame? goAway = null;
        for (var round = 0; round < 10 && goAway is null; round++)
        {
            var first = (round * 100 * 2) + 1;
            var expected = drill.Victim.Requests + 100;
            await attacker.SendAsync(RawH2Client.Frames(w =>
            {
                for (var i = 0; i < 100; i++)
                {
                    w.Write(ProxyH2.Request(first + (2 * i), H2Drill.VictimAuthority, endStream: true, ("x-echo-delay-ms", "10000")));
                }
            }));
            await Infrastructure.WaitFor.ConditionAsync(() => drill.Victim.Requests >= expected, 30_000, $"round {round}: the victim got its 100 requests");
            await attacker.SendAsync(RawH2Client.Frames(w =>
            {
                for (var i = 0; i < 100; i++)
                {
                    Http2FrameWriter.WriteRstStream(w, first + (2 * i), Http2ErrorCode.Cancel);
                }

                Http2FrameWriter.WritePing(w, (ulong)round, ack: false);
            }));
            var answer = await attacker.ReadUntilAsync(f => f.Type == Http2FrameType.GoAway || (f.Type == Http2FrameType.Ping && f.IsAck));
            Assert.True(answer is not null, $"round {round}: the connection closed without GOAWAY");
            goAway = answer!.Type == Http2FrameType.GoAway ? answer : null;
            output.WriteLine($"round {round}: victim requests {drill.Victim.Requests}, {answer}");
        }

        Assert.True(goAway is not null, "10 rounds of 100 reset slow requests and the connection is still open");
        Assert.Equal(Http2ErrorCode.EnhanceYourCalm, goAway!.ErrorCode);
        Assert.True(drill.Victim.Requests <= 300, $"the victim got {drill.Victim.Requests} requests");
        Assert.True(await ProxyH2.ClosedAsync(attacker), "the connection stayed open after GOAWAY");

        // The upstream requests of the reset streams were abandoned, not left running: the proxy's
        // connections to the victim are gone well before the echo would have answered (10 s).
        await Infrastructure.WaitFor.ConditionAsync(() => drill.Proxy.ConnectionsTo(drill.VictimPort) == 0, 5_000, "the proxy closed its connections to the victim");
        await drill.AssertOthersServedAndReleasedAsync();
    }
}
