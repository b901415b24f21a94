using System.Buffers;
using System.Text;
using Engine.Http2;
using Engine.Http2.Server;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Support;

/// <summary>
/// The server the conformance tests talk to: our <see cref="Http2ServerConnection"/> on a real
/// listener, with a handler whose paths give the stream shapes the RFC cases need:
/// <c>/hold</c> never answers (the stream stays open until reset), <c>/noread</c> answers at once
/// without reading the request, <c>/bytes/N</c> answers N bytes, <c>/whole/N</c> answers N bytes
/// (byte i is i mod 251) handed over whole with the head, anything else reads the request to its
/// end and answers with its length and the names of its trailers.
/// </summary>
public sealed class ConformanceServer : IAsyncLifetime
{
    private H2TestServer _server = null!;

    internal H2TestServer Server => _server;

    internal System.Net.IPEndPoint Endpoint => _server.Endpoint;

    public async Task InitializeAsync() => _server = await H2TestServer.StartAsync(HandleAsync);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    internal static async ValueTask HandleAsync(Http2ServerStream stream)
    {
        var path = Encoding.ASCII.GetString(stream.Request.PathOnly);
        if (path == "/hold")
        {
            try
            {
                await Task.Delay(Timeout.Infinite, stream.Aborted);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        if (path == "/noread")
        {
            await RespondAsync(stream, "early"u8.ToArray());
            return;
        }

        if (path.StartsWith("/bytes/", StringComparison.Ordinal))
        {
            var count = int.Parse(path["/bytes/".Length..], System.Globalization.CultureInfo.InvariantCulture);
            await RespondAsync(stream, new byte[count]);
            return;
        }

        if (path.StartsWith("/whole/", StringComparison.Ordinal))
        {
            var count = int.Parse(path["/whole/".Length..], System.Globalization.CultureInfo.InvariantCulture);
            var head = stream.ResponseHead;
            head.Reset();
            head.StatusCode = 200;
            await stream.WriteResponseAsync(head, new ReadOnlySequence<byte>(WholeBody(count)));
            return;
        }

        long length = 0;
        while (true)
        {
            var read = await stream.RequestBody.ReadAsync();
            if (read.IsCanceled)
            {
                return;
            }

            length += read.Buffer.Length;
            stream.RequestBody.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        var trailers = stream.RequestTrailers is { } t
            ? string.Join(",", Enumerable.Range(0, t.HeaderCount).Select(i => Encoding.ASCII.GetString(t.NameOf(i))))
            : string.Empty;
        await RespondAsync(stream, Encoding.ASCII.GetBytes($"{length};{trailers};{Encoding.ASCII.GetString(stream.Request.Span(stream.Request.Authority))}"));
    }

    /// <summary>The body <c>/whole/N</c> answers: byte i is i mod 251, so a shifted or repeated piece shows.</summary>
    internal static byte[] WholeBody(int count)
    {
        var body = new byte[count];
        for (var i = 0; i < count; i++)
        {
            body[i] = (byte)(i % 251);
        }

        return body;
    }

    private static async ValueTask RespondAsync(Http2ServerStream stream, byte[] body)
    {
        var head = stream.ResponseHead;
        head.Reset();
        head.StatusCode = 200;
        head.AddHeader("content-length"u8, Encoding.ASCII.GetBytes(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), KnownHeader.ContentLength);
        if (!await stream.WriteResponseHeadAsync(head, endStream: body.Length == 0))
        {
            return;
        }

        if (body.Length > 0)
        {
            stream.ResponseBody.Write(body);
            await stream.ResponseBody.CompleteAsync();
        }
    }
}

/// <summary>Assertions on what the server did, read frame by frame (never on timing).</summary>
internal static class H2Assert
{
    /// <summary>§5.4.1: GOAWAY with the code, then the connection closes.</summary>
    public static async Task ConnectionErrorAsync(RawH2Client client, Http2ErrorCode code)
    {
        var goAway = await client.ReadGoAwayAsync();
        Assert.True(goAway is not null, "expected GOAWAY " + code + ", the connection closed without one; frames: " + string.Join(" | ", client.Received));
        Assert.Equal(code, goAway!.ErrorCode);
        Assert.True(await client.ClosedByPeerAsync(), "the connection stays open after GOAWAY");
    }

    /// <summary>§5.4.2: RST_STREAM with the code on the stream; the connection lives on.</summary>
    public static async Task StreamErrorAsync(RawH2Client client, int streamId, Http2ErrorCode code)
    {
        var frame = await client.ReadResetOrGoAwayAsync(streamId);
        Assert.True(frame is not null, "expected RST_STREAM " + code + ", the connection closed; frames: " + string.Join(" | ", client.Received));
        Assert.True(frame!.Type == Http2FrameType.RstStream, "expected RST_STREAM " + code + ", got " + frame);
        Assert.Equal(code, frame.ErrorCode);
        await AliveAsync(client);
    }

    /// <summary>The connection still answers: a PING gets its ACK (frames in between are skipped, none of them GOAWAY).</summary>
    public static async Task AliveAsync(RawH2Client client, ulong data = 0x0102030405060708)
    {
        await client.SendAsync(RawH2Client.Frames(w => Http2FrameWriter.WritePing(w, data, ack: false)));
        var frame = await client.ReadUntilAsync(f => (f.Type == Http2FrameType.Ping && f.IsAck) || f.Type == Http2FrameType.GoAway);
        Assert.True(frame is not null && frame.Type == Http2FrameType.Ping, "connection not alive: " + frame);
        Assert.Equal(data, System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(frame!.Payload));
    }

    /// <summary>A full response on the stream: its status and body.</summary>
    public static async Task<(int Status, string Body)> ResponseAsync(RawH2Client client, int streamId)
    {
        var (head, body, reset) = await client.ReadResponseAsync(streamId);
        Assert.True(reset is null, "stream " + streamId + " ended with " + reset);
        Assert.NotNull(head);
        return (head!.StatusCode, Encoding.ASCII.GetString(body));
    }
}
