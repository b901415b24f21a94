using System.Net;
using System.Net.Sockets;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>Requests and floods an attack test writes to the proxy with <see cref="RawH2Client"/>.</summary>
internal static class ProxyH2
{
    /// <summary>An encoded GET / for <paramref name="authority"/> with the extra fields (literals, no indexing).</summary>
    public static byte[] Block(string authority, params (string Name, string Value)[] fields)
        => RawH2Client.Block([(":method", "GET"), (":scheme", "http"), (":authority", authority), (":path", "/"), .. fields]);

    /// <summary>One HEADERS frame (END_HEADERS) of a GET for <paramref name="authority"/>.</summary>
    public static byte[] Request(int streamId, string authority, bool endStream = true, params (string Name, string Value)[] fields)
        => RawH2Client.Frames(w => Http2FrameWriter.WriteHeaders(w, streamId, Block(authority, fields), endStream, 16_384));

    /// <summary>
    /// Writes <paramref name="batch"/>(0), (1)… until <paramref name="maxBatches"/> were written, the
    /// proxy refused more (it closed the connection) or <paramref name="limit"/> passed while a write
    /// was blocked (it stopped reading). Returns how many batches were written whole.
    /// </summary>
    public static async Task<int> FloodAsync(RawH2Client client, Func<int, byte[]> batch, int maxBatches, TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        for (var i = 0; i < maxBatches; i++)
        {
            try
            {
                await client.SendAsync(batch(i), deadline.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                return i;
            }
        }

        return maxBatches;
    }

    /// <summary>Reads (skipping everything else) until GOAWAY, returned, or the close (null).</summary>
    public static async Task<RawFrame?> GoAwayOrCloseAsync(RawH2Client client, int maxFrames = 2_000_000)
    {
        for (var i = 0; i < maxFrames; i++)
        {
            var frame = await client.ReadFrameAsync();
            if (frame is null || frame.Type == Http2FrameType.GoAway)
            {
                return frame;
            }
        }

        Assert.Fail($"no GOAWAY nor close after {maxFrames} frames");
        return null;
    }

    /// <summary>Reads until the proxy closed the connection; false if it kept it open past the generous read timeout.</summary>
    public static async Task<bool> ClosedAsync(RawH2Client client, int maxFrames = 2_000_000)
    {
        for (var i = 0; i < maxFrames; i++)
        {
            if (await client.ReadFrameAsync() is null)
            {
                return client.Socket.Poll(0, SelectMode.SelectRead);
            }
        }

        return false;
    }

    /// <summary>One GET on a fresh h2c connection: the status (0 if none came) and the body length.</summary>
    public static async Task<(int Status, int BodyLength)> GetAsync(IPEndPoint proxy, string authority, params (string Name, string Value)[] fields)
    {
        await using var client = await RawH2Client.HandshakeAsync(proxy);
        await client.SendAsync(Request(1, authority, endStream: true, fields));
        var (head, body, _) = await client.ReadResponseAsync(1);
        return (head?.StatusCode ?? 0, body.Length);
    }
}
