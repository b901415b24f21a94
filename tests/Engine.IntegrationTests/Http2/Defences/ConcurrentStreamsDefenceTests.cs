using System.Buffers;
using Engine.IntegrationTests.Drills;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>
/// A client that ignores SETTINGS_MAX_CONCURRENT_STREAMS (100), against the running proxy: the
/// streams past the limit are refused (RST_STREAM REFUSED_STREAM, RFC 9113 §5.1.2, so the client
/// knows they were not processed), and the 100 it accepted complete normally.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class ConcurrentStreamsDefenceTests
{
    private const int Limit = 100;
    private const int Opened = 150;

    [Fact]
    public async Task MoreStreamsThanAdvertised_ExcessRefused_AcceptedOnesComplete_OthersServed()
    {
        await using var drill = await H2Drill.StartAsync();
        await using var attacker = await drill.AttackerAsync();
        var advertised = attacker.Received.Single(f => f.Type == Http2FrameType.Settings && !f.IsAck);
        Assert.Contains(Settings(advertised.Payload), s => s.Parameter == Http2SettingsParameter.MaxConcurrentStreams && s.Value == Limit);

        // 150 requests in one write; each answer waits 1 s at the upstream, so the first 100 are
        // all still open when the last 50 arrive.
        await attacker.SendAsync(RawH2Client.Frames(w =>
        {
            for (var i = 0; i < Opened; i++)
            {
                w.Write(ProxyH2.Request((2 * i) + 1, H2Drill.VictimAuthority, endStream: true, ("x-echo-delay-ms", "1000")));
            }
        }));

        var outcome = new Dictionary<int, string>();
        while (outcome.Count < Opened)
        {
            var frame = await attacker.ReadFrameAsync();
            Assert.True(frame is not null, $"the connection closed with {outcome.Count} streams settled");
            Assert.NotEqual(Http2FrameType.GoAway, frame!.Type);
            if (frame.Type == Http2FrameType.RstStream)
            {
                outcome[frame.StreamId] = frame.ErrorCode.ToString();
            }
            else if (frame.EndStream)
            {
                outcome[frame.StreamId] = "complete";
            }
            else if (frame.Type == Http2FrameType.Headers)
            {
                Assert.Equal(200, frame.Head!.StatusCode);
            }
        }

        var accepted = Enumerable.Range(0, Limit).Select(i => (2 * i) + 1);
        var excess = Enumerable.Range(Limit, Opened - Limit).Select(i => (2 * i) + 1);
        Assert.All(accepted, id => Assert.Equal("complete", outcome[id]));
        Assert.All(excess, id => Assert.Equal(nameof(Http2ErrorCode.RefusedStream), outcome[id]));
        Assert.Equal(Limit, drill.Victim.Requests);

        // A refused stream was not processed: the client may retry it, on the same connection.
        await attacker.SendAsync(ProxyH2.Request((2 * Opened) + 1, H2Drill.VictimAuthority));
        var (head, _, reset) = await attacker.ReadResponseAsync((2 * Opened) + 1);
        Assert.True(head is not null, "the retry was not answered: " + reset);
        Assert.Equal(200, head!.StatusCode);

        await drill.AssertOthersServedAndReleasedAsync();
    }

    private static List<Http2Setting> Settings(byte[] payload)
        => Enumerable.Range(0, payload.Length / Http2Setting.Size)
            .Select(i => new Http2Setting(
                (Http2SettingsParameter)System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i * Http2Setting.Size)),
                System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan((i * Http2Setting.Size) + 2))))
            .ToList();
}
