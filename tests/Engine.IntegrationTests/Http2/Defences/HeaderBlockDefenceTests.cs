using System.Buffers;
using Engine.IntegrationTests.Drills;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;
using Xunit.Abstractions;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>
/// Header blocks built to exhaust memory, against the running proxy: the CONTINUATION flood
/// (VU#421644, CVE-2024-27316 and kin) and the HPACK bomb (a small block that decodes to a huge
/// field list). Both are stopped at the budgets of <see cref="Http2Limits"/> (120 KiB encoded,
/// 512 CONTINUATION frames, 60 KiB / 100 fields decoded) with RSS flat.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class HeaderBlockDefenceTests(ITestOutputHelper output)
{
    private const int MaxContinuations = 10_000;

    /// <summary>RSS growth allowed for one attacking connection: far above the budgets, far below what the attack sends.</summary>
    private const long RssBudget = 32L << 20;

    [Theory]
    [InlineData(1, Http2Error.TooManyContinuationFrames)] // 10,000 one-byte frames: stopped by the frame count
    [InlineData(16_384, Http2Error.HeaderBlockTooLarge)] // 160 MiB of 16 KiB frames: stopped by the encoded size
    public async Task ContinuationFlood_WithoutEndHeaders_GoAwayBeforeMemoryGrows_OthersServed(int frameBytes, Http2Error expected)
    {
        await using var drill = await H2Drill.StartAsync();
        var rssBefore = drill.Proxy.ResidentBytes();
        await using var attacker = await drill.AttackerAsync();

        // HEADERS without END_HEADERS, then CONTINUATION frames that never end the block: each one
        // is a run of literal fields ("x-flood: aaaa…"), so the block would also decode to more and more.
        var filler = FieldRun(frameBytes);
        await attacker.SendAsync(RawH2Client.Frames(w => Http2FrameWriter.WriteFrame(w, Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, ProxyH2.Block(H2Drill.VictimAuthority))));
        var perWrite = Math.Max(1, 64 * 1024 / (frameBytes + Http2FrameHeader.Size));
        var written = await ProxyH2.FloodAsync(
            attacker,
            _ => RawH2Client.Frames(w =>
            {
                for (var i = 0; i < perWrite; i++)
                {
                    Http2FrameWriter.WriteFrame(w, Http2FrameType.Continuation, Http2FrameFlags.None, 1, filler);
                }
            }),
            MaxContinuations / perWrite,
            TimeSpan.FromSeconds(30));

        var goAway = await ProxyH2.GoAwayOrCloseAsync(attacker);
        output.WriteLine($"wrote {written * perWrite} CONTINUATION frames of {frameBytes} bytes; got {goAway}; RSS peak +{(drill.Proxy.PeakResidentBytes() - rssBefore) >> 10} KiB");
        Assert.True(goAway is not null, "the proxy closed without GOAWAY");
        Assert.Equal(Http2ErrorTable.CodeFor(expected), goAway!.ErrorCode);
        Assert.Equal(System.Text.Encoding.ASCII.GetString(Http2ErrorTable.Describe(expected)), goAway.DebugData);
        Assert.True(await ProxyH2.ClosedAsync(attacker), "the connection stayed open after GOAWAY");
        Assert.True(drill.Proxy.PeakResidentBytes() - rssBefore < RssBudget, $"RSS peaked {(drill.Proxy.PeakResidentBytes() - rssBefore) >> 20} MiB above where it was");
        Assert.Equal(0, drill.Victim.Requests);

        await drill.AssertOthersServedAndReleasedAsync();
    }

    [Fact]
    public async Task HpackBomb_OneBigEntryReferencedTenThousandTimes_431_TableStaysInStep_RssFlat_OthersServed()
    {
        await using var drill = await H2Drill.StartAsync();
        var rssBefore = drill.Proxy.ResidentBytes();
        await using var attacker = await drill.AttackerAsync();

        // RFC 7541 §6.2.1: "x-bomb: 4,000 × b" enters the 4 KiB dynamic table (index 62); 10,000
        // one-byte references to it decode to 40 MB from a 14 KB block. A last literal enters
        // "x-after: tail" after the budget is blown: a decoder that stopped early would lose it.
        var block = new List<byte>(ProxyH2.Block(H2Drill.VictimAuthority));
        block.AddRange(IncrementalLiteral("x-bomb", new string('b', 4_000)));
        block.AddRange(Enumerable.Repeat((byte)(0x80 | 62), 10_000));
        block.AddRange(IncrementalLiteral("x-after", "tail"));
        await attacker.SendAsync(RawH2Client.Frames(w => Http2FrameWriter.WriteHeaders(w, 1, [.. block], endStream: true, 16_384)));

        var (head, _, reset) = await attacker.ReadResponseAsync(1);
        output.WriteLine($"bomb answered {head?.StatusCode} reset {reset}; RSS peak +{(drill.Proxy.PeakResidentBytes() - rssBefore) >> 10} KiB");
        Assert.True(head is not null, "no response to the bomb: " + reset);
        Assert.Equal(431, head!.StatusCode);
        Assert.Equal(0, drill.Victim.Requests);

        // The connection lives on with both tables in step: index 62 is now "x-after", 63 "x-bomb",
        // and a request naming each once is forwarded with both.
        var next = new List<byte>(ProxyH2.Block(H2Drill.VictimAuthority));
        next.Add(0x80 | 62);
        next.Add(0x80 | 63);
        await attacker.SendAsync(RawH2Client.Frames(w => Http2FrameWriter.WriteHeaders(w, 3, [.. next], endStream: true, 16_384)));
        var (nextHead, body, nextReset) = await attacker.ReadResponseAsync(3);
        Assert.True(nextHead is not null, "no response after the bomb: " + nextReset);
        Assert.Equal(200, nextHead!.StatusCode);
        var json = System.Text.Encoding.UTF8.GetString(body);
        Assert.Contains("\"x-after\":\"tail\"", json, StringComparison.Ordinal);
        Assert.Contains("\"x-bomb\":\"bbbb", json, StringComparison.Ordinal);
        Assert.True(drill.Proxy.PeakResidentBytes() - rssBefore < RssBudget, $"RSS peaked {(drill.Proxy.PeakResidentBytes() - rssBefore) >> 20} MiB above where it was");

        await drill.AssertOthersServedAndReleasedAsync();
    }

    /// <summary>Literal fields "x-flood: a…" filling exactly <paramref name="bytes"/> bytes (a 1-byte run is the start of one).</summary>
    private static byte[] FieldRun(int bytes)
    {
        if (bytes < 64)
        {
            return [.. Enumerable.Repeat((byte)0x00, bytes)];
        }

        var field = RawH2Client.Block(("x-flood", new string('a', 100)));
        var run = new byte[bytes];
        for (var offset = 0; offset < bytes; offset += field.Length)
        {
            field.AsSpan(0, Math.Min(field.Length, bytes - offset)).CopyTo(run.AsSpan(offset));
        }

        return run;
    }

    /// <summary>RFC 7541 §6.2.1 literal with incremental indexing, new name, no Huffman (lengths under 127 + 4,000 fit the 7-bit prefix integer).</summary>
    private static byte[] IncrementalLiteral(string name, string value)
    {
        var literal = RawH2Client.Block((name, value));
        literal[0] = 0x40;
        return literal;
    }
}
