using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using Engine.Http2.Server;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;
using Engine.Protocols.Tests.Http1;
using static Engine.IntegrationTests.Http2.Support.RawH2Client;

namespace Engine.IntegrationTests.Http2.Conformance;

/// <summary>
/// A lent body (<c>Http2Stream.LendAsync</c>, how the proxy sends an answer of known
/// length without copying it into the stream): the writer frames the owner's own buffer, so the
/// owner must get it back only once every byte went out, or at once when the stream is gone. The
/// frames still obey the windows (RFC 9113 §6.9), END_STREAM rides on the last DATA frame, and the
/// stream object is clean for whatever answer comes next on it.
/// </summary>
public sealed class LentResponseTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource<string>> _outcomes = new();
    private H2TestServer _server = null!;

    public async Task InitializeAsync() => _server = await H2TestServer.StartAsync(HandleAsync);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Lend_IsFramedWithinTheWindow_AndReturnedOnlyWhenAllOfItWentOut()
    {
        await using var client = await HandshakeAsync(_server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 100));
        await client.SendRequestAsync(1, path: "/lend/1000/1");
        await client.ReadUntilAsync(_ => DataOf(client, 1).Length >= 100);
        await H2Assert.AliveAsync(client, 1);
        Assert.Equal(100, DataOf(client, 1).Length);
        Assert.False(Outcome(1).Task.IsCompleted, "the owner got its buffer back while 900 of its bytes were still to go out");

        await client.SendWindowUpdateAsync(1, 900);
        await client.ReadUntilAsync(f => f.StreamId == 1 && f.EndStream);
        Assert.Equal(Body(1000), DataOf(client, 1));
        Assert.Equal("sent", await Outcome(1).Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // END_STREAM came on a DATA frame that carried the last bytes, not on an empty one after.
        var last = client.Received.Last(f => f.StreamId == 1);
        Assert.True(last.Type == Http2FrameType.Data && last.EndStream && last.Payload.Length > 0, "END_STREAM not on the last lent bytes");
    }

    [Fact]
    public async Task Lends_InPieces_ArriveInOrder_AcrossFrames()
    {
        // Windows larger than any answer here: the connection's is raised once, each stream's by the setting.
        await using var client = await HandshakeAsync(_server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 1 << 20));
        await client.SendWindowUpdateAsync(0, 1 << 20);
        var streamId = 1;
        foreach (var (size, pieces) in new[] { (1, 1), (40_000, 1), (100_000, 7), (16_384, 2), (70_001, 3) })
        {
            await client.SendRequestAsync(streamId, path: $"/lend/{size}/{pieces}");
            var (head, body, reset) = await client.ReadResponseAsync(streamId);
            Assert.Null(reset);
            Assert.Equal(200, head?.StatusCode);
            Assert.True(Body(size).AsSpan().SequenceEqual(body), $"{size} bytes in {pieces} lends: {body.Length} arrived, not in order or not all");
            Assert.Equal(string.Join(",", Enumerable.Repeat("sent", pieces)), await Outcome(streamId).Task.WaitAsync(TimeSpan.FromSeconds(10)));
            await client.SendWindowUpdateAsync(0, size);
            streamId += 2;
        }
    }

    [Fact]
    public async Task Lend_ResetWhileWaitingForCredit_EndsUnsent_AndTheStreamObjectServesOn()
    {
        await using var client = await HandshakeAsync(_server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 0));
        await client.SendRequestAsync(1, path: "/lend/5000/1");
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);
        await H2Assert.AliveAsync(client, 1);
        Assert.False(Outcome(1).Task.IsCompleted);

        await client.SendRstAsync(1);
        Assert.Equal("gone", await Outcome(1).Task.WaitAsync(TimeSpan.FromSeconds(10)));

        // The same stream object (the pool is a stack) answers the next ones: lent, whole, piped.
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(Http2SettingsParameter.InitialWindowSize, 65_535)])));
        await client.SendRequestAsync(3, path: "/lend/3000/2");
        var (_, lent, _) = await client.ReadResponseAsync(3);
        Assert.Equal(Body(3000), lent);
        await client.SendRequestAsync(5, path: "/piped/2000");
        var (_, piped, _) = await client.ReadResponseAsync(5);
        Assert.Equal(Body(2000), piped);
        Assert.Empty(DataOf(client, 1));
    }

    [Fact]
    public async Task Lend_WhenTheConnectionIsLost_EndsUnsent()
    {
        var client = await HandshakeAsync(_server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 0));
        await client.SendRequestAsync(1, path: "/lend/5000/1");
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);
        await client.DisposeAsync();

        Assert.Equal("gone", await Outcome(1).Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Lend_AfterBytesWentIntoThePipe_IsRefused()
    {
        await using var client = await HandshakeAsync(_server.Endpoint);
        await client.SendRequestAsync(1, path: "/mixed");
        Assert.Equal("refused", await Outcome(1).Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Byte i of a body is i mod 253: a piece shifted, repeated or dropped shows.</summary>
    private static byte[] Body(int size) => [.. Enumerable.Range(0, size).Select(i => (byte)(i % 253))];

    private static byte[] DataOf(RawH2Client client, int streamId)
        => [.. client.Received.Where(f => f.Type == Http2FrameType.Data && f.StreamId == streamId).SelectMany(f => f.Payload)];

    private TaskCompletionSource<string> Outcome(int streamId)
        => _outcomes.GetOrAdd(streamId, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>
    /// <c>/lend/SIZE/PIECES</c> lends the body in PIECES parts, from a buffer of several segments;
    /// <c>/piped/SIZE</c> writes it through the pipe; <c>/mixed</c> writes a byte, then tries to lend.
    /// What each lend returned is recorded per stream ("sent", "gone", "refused").
    /// </summary>
    private async ValueTask HandleAsync(Http2ServerStream stream)
    {
        var outcome = Outcome(stream.StreamId);
        var path = Encoding.ASCII.GetString(stream.Request.PathOnly).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var head = stream.ResponseHead;
        head.Reset();
        head.StatusCode = 200;
        await stream.WriteResponseHeadAsync(head);
        if (path[0] == "mixed")
        {
            stream.ResponseBody.Write("x"u8);
            await stream.ResponseBody.FlushAsync();
            try
            {
                await stream.LendAsync(new ReadOnlySequence<byte>(Body(10)), endsMessage: true);
                outcome.TrySetResult("lent");
            }
            catch (InvalidOperationException)
            {
                outcome.TrySetResult("refused");
            }

            await stream.ResponseBody.CompleteAsync();
            return;
        }

        var body = Body(int.Parse(path[1], System.Globalization.CultureInfo.InvariantCulture));
        if (path[0] == "piped")
        {
            stream.ResponseBody.Write(body);
            await stream.ResponseBody.CompleteAsync();
            outcome.TrySetResult("piped");
            return;
        }

        var pieces = int.Parse(path[2], System.Globalization.CultureInfo.InvariantCulture);
        var results = new List<string>();
        var buffer = Segmented(body);
        var at = 0L;
        for (var i = 0; i < pieces; i++)
        {
            var end = i == pieces - 1 ? body.Length : (long)body.Length * (i + 1) / pieces;
            var sent = await stream.LendAsync(buffer.Slice(at, end - at), endsMessage: i == pieces - 1);
            results.Add(sent ? "sent" : "gone");
            at = end;
            if (!sent)
            {
                break;
            }
        }

        outcome.TrySetResult(string.Join(",", results));
        await stream.ResponseBody.CompleteAsync();
    }

    /// <summary>The body in segments of 4,093 bytes (a prime: frames and segments never line up).</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] body)
        => Sequences.Split(body, [.. Enumerable.Range(1, (body.Length - 1) / 4093).Select(i => i * 4093)]);
}
