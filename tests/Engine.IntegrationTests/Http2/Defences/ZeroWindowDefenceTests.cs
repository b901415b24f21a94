using System.Buffers;
using System.Globalization;
using Engine.IntegrationTests.Drills;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;
using Xunit.Abstractions;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>
/// The zero-window slow reader (CVE-2019-9517, internal data buffering) against the running proxy:
/// clients advertise SETTINGS_INITIAL_WINDOW_SIZE 0 and open every stream they may for large
/// responses, then never grant a byte. The proxy may hold a bounded amount per stream
/// (<c>Http2SessionOptions.MaxBufferedBytesPerStream</c> plus its upstream read buffers), never
/// the responses themselves; back-pressure must reach the upstream.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class ZeroWindowDefenceTests(ITestOutputHelper output)
{
    private const int Connections = 2;
    private const int StreamsPerConnection = 100;
    private const int ResponseBytes = 8 << 20;
    private const int Resumed = 4;

    [Fact]
    public async Task ZeroWindowReaders_ManyLargeResponses_MemoryBounded_OthersServed()
    {
        await using var drill = await H2Drill.StartAsync();
        var rssBefore = drill.Proxy.ResidentBytes();

        // 2 × 100 streams of 8 MiB: 1.6 GB if the proxy buffered what the upstream sends.
        var attackers = new List<RawH2Client>();
        try
        {
            for (var c = 0; c < Connections; c++)
            {
                var attacker = await drill.AttackerAsync(new Http2Setting(Http2SettingsParameter.InitialWindowSize, 0));
                attackers.Add(attacker);
                await attacker.SendAsync(RawH2Client.Frames(w =>
                {
                    for (var i = 0; i < StreamsPerConnection; i++)
                    {
                        w.Write(ProxyH2.Request((2 * i) + 1, H2Drill.VictimAuthority, endStream: true, ("x-echo-bytes", ResponseBytes.ToString(CultureInfo.InvariantCulture))));
                    }
                }));
            }

            // Every stream got its response head (the upstream answered); none got a byte of body.
            foreach (var attacker in attackers)
            {
                var heads = 0;
                while (heads < StreamsPerConnection)
                {
                    var frame = await attacker.ReadFrameAsync();
                    Assert.True(frame is not null, $"connection closed after {heads} response heads: " + string.Join(" | ", attacker.Received.TakeLast(5)));
                    Assert.NotEqual(Http2FrameType.Data, frame!.Type);
                    Assert.NotEqual(Http2FrameType.RstStream, frame.Type);
                    if (frame.Type == Http2FrameType.Headers)
                    {
                        Assert.Equal(200, frame.Head!.StatusCode);
                        heads++;
                    }
                }
            }

            // While they stall, the bystanders keep going; by then the upstream has pushed all the
            // proxy would take. RSS (and its peak) stay within ~640 KiB per stalled stream.
            await drill.H2Bystanders.WaitForMoreAsync(50);
            var grown = drill.Proxy.PeakResidentBytes() - rssBefore;
            output.WriteLine($"RSS peak +{grown >> 20} MiB with {Connections * StreamsPerConnection} zero-window streams of {ResponseBytes >> 20} MiB; proxy sockets: {drill.Proxy.SocketSummary()}");
            Assert.True(grown < 128L << 20, $"RSS grew {grown >> 20} MiB while {Connections * StreamsPerConnection} readers stalled on {ResponseBytes >> 20} MiB responses");

            // Still nothing was sent past the zero windows, and the connections are alive.
            foreach (var attacker in attackers)
            {
                await H2Assert.AliveAsync(attacker);
                Assert.DoesNotContain(attacker.Received, f => f.Type == Http2FrameType.Data);
            }

            // Held, not lost: when the first reader finally opens its windows, its first streams
            // get their whole 8 MiB (the others are cancelled).
            await ResumeAndReadAsync(attackers[0], Resumed);
        }
        finally
        {
            foreach (var attacker in attackers)
            {
                await attacker.DisposeAsync();
            }
        }

        // The stalled responses' upstream connections were closed, not kept half-read (a few
        // finished ones may stay pooled).
        await Infrastructure.WaitFor.ConditionAsync(() => drill.Proxy.ConnectionsTo(drill.VictimPort) <= Resumed + 4, 30_000, "the proxy closed the stalled upstream connections");
        await drill.AssertOthersServedAndReleasedAsync(timeoutMs: 60_000);
    }

    /// <summary>
    /// Cancels all but the first <paramref name="streams"/> streams, grants those windows as their
    /// DATA is read (a real client's flow control), and asserts each body arrives whole.
    /// </summary>
    private static async Task ResumeAndReadAsync(RawH2Client client, int streams)
    {
        await client.SendAsync(RawH2Client.Frames(w =>
        {
            for (var i = streams; i < StreamsPerConnection; i++)
            {
                Http2FrameWriter.WriteRstStream(w, (2 * i) + 1, Http2ErrorCode.Cancel);
            }

            for (var i = 0; i < streams; i++)
            {
                Http2FrameWriter.WriteWindowUpdate(w, (2 * i) + 1, 1 << 20);
            }

            Http2FrameWriter.WriteWindowUpdate(w, 0, 4 << 20);
        }));

        var received = new long[streams];
        var ended = 0;
        var maxFrames = streams * ((ResponseBytes / 1024) + 16); // bounded even if frames were tiny
        for (var n = 0; n < maxFrames && ended < streams; n++)
        {
            var frame = await client.ReadFrameAsync();
            Assert.True(frame is not null, $"connection closed while resuming; received {string.Join(", ", received)}");
            var index = (frame!.StreamId - 1) / 2;
            if (frame.StreamId == 0 || index >= streams)
            {
                continue;
            }

            Assert.NotEqual(Http2FrameType.RstStream, frame.Type);
            if (frame.Type == Http2FrameType.Data && frame.Payload.Length > 0)
            {
                received[index] += frame.Payload.Length;
                await client.SendAsync(RawH2Client.Frames(w =>
                {
                    Http2FrameWriter.WriteWindowUpdate(w, frame.StreamId, frame.Payload.Length);
                    Http2FrameWriter.WriteWindowUpdate(w, 0, frame.Payload.Length);
                }));
            }

            if (frame.EndStream)
            {
                ended++;
            }
        }

        Assert.All(received, bytes => Assert.Equal(ResponseBytes, bytes));
    }
}
