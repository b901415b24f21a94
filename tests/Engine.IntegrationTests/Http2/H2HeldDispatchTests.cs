using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2;

/// <summary>
/// A request whose HEADERS (without END_STREAM) and body arrive in one read is handed to its
/// handler only once the rest of that read is parsed, so the handler starts with the body whole —
/// the proxy then sends it upstream with the head instead of streaming it. A request that ends at
/// its head, or whose body comes later, is handled as before.
/// </summary>
public sealed class H2HeldDispatchTests
{
    [Fact]
    public async Task HeadAndBodyInOneRead_TheHandlerStartsWithTheWholeBody()
    {
        var seen = new TaskCompletionSource<(bool Whole, long Length)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await H2TestServer.StartAsync(stream =>
        {
            // What the body pipe holds the moment the handler starts, without waiting.
            var whole = stream.RequestBody.TryRead(out var read) && read.IsCompleted;
            seen.TrySetResult((whole, whole ? read.Buffer.Length : -1));
            if (whole)
            {
                stream.RequestBody.AdvanceTo(read.Buffer.Start);
            }

            return H2TestServer.OkAsync(stream);
        });
        await using var client = await RawH2Client.HandshakeAsync(server.Endpoint);

        await client.SendAsync(RawH2Client.Frames(w =>
        {
            Http2FrameWriter.WriteFrame(w, Http2FrameType.Headers, Http2FrameFlags.EndHeaders, 1, RawH2Client.RequestBlock("/upload", "POST"));
            Http2FrameWriter.WriteFrame(w, Http2FrameType.Data, Http2FrameFlags.EndStream, 1, new byte[300]);
        }));

        var (whole, length) = await seen.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(whole, "the handler started before the body that came with its head was read");
        Assert.Equal(300, length);
        var answer = await client.ReadUntilAsync(f => f.StreamId == 1 && f.Type == Http2FrameType.Data && (f.Flags & Http2FrameFlags.EndStream) != 0);
        Assert.NotNull(answer);
    }

    [Fact]
    public async Task BodyInALaterRead_TheHandlerStartsAtTheHead_AndReadsItWhenItComes()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await H2TestServer.StartAsync(stream =>
        {
            started.TrySetResult();
            return H2TestServer.OkAsync(stream);
        });
        await using var client = await RawH2Client.HandshakeAsync(server.Endpoint);

        await client.SendRequestAsync(1, endStream: false, path: "/upload", method: "POST");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10)); // no body yet: the handler runs all the same
        await client.SendDataAsync(1, new byte[10], endStream: true);

        var answer = await client.ReadUntilAsync(f => f.StreamId == 1 && f.Type == Http2FrameType.Data && (f.Flags & Http2FrameFlags.EndStream) != 0);
        Assert.NotNull(answer);
    }
}
