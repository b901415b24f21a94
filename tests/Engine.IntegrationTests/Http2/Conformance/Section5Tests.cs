using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;
using static Engine.IntegrationTests.Http2.Support.RawH2Client;

namespace Engine.IntegrationTests.Http2.Conformance;

/// <summary>RFC 9113 §5 (stream states, identifiers, concurrency, priority, error handling, extensions) against a running connection.</summary>
public sealed class Section5Tests(ConformanceServer server) : IClassFixture<ConformanceServer>
{
    [Fact]
    public async Task S5_1_Idle_Data_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendDataAsync(1, [1, 2, 3], endStream: true);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S5_1_Idle_RstStream_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRstAsync(1);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S5_1_Idle_WindowUpdate_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendWindowUpdateAsync(1, 100);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S5_1_Idle_Continuation_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, RequestBlock());

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S5_1_Idle_Priority_IsAllowed()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendAsync(Frames(w => Http2FrameWriter.WritePriority(w, 3, 0, exclusive: false, 16)));
        await client.SendRequestAsync(3);

        var (status, _) = await H2Assert.ResponseAsync(client, 3);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task S5_1_HalfClosedRemote_Data_RstStreamClosed()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendDataAsync(1, [1, 2, 3], endStream: false);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.StreamClosed);
    }

    [Fact]
    public async Task S5_1_HalfClosedRemote_Headers_RstStreamClosed()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 1, Block(("x-late", "1")), endStream: true, 16_384)));

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.StreamClosed);
    }

    [Fact]
    public async Task S5_1_ClosedByClientReset_Data_RstStreamClosed()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, path: "/hold", method: "POST");
        await client.SendRstAsync(1);
        await client.SendDataAsync(1, [1, 2, 3], endStream: false);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.StreamClosed);
    }

    [Fact]
    public async Task S5_1_ClosedNormally_DataAndHeaders_RstStreamClosed()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1);
        await H2Assert.ResponseAsync(client, 1);

        await client.SendDataAsync(1, [1], endStream: false);
        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.StreamClosed);
        await client.SendRequestAsync(3);
        await H2Assert.ResponseAsync(client, 3);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteHeaders(w, 3, Block(("x-late", "1")), endStream: true, 16_384)));
        await H2Assert.StreamErrorAsync(client, 3, Http2ErrorCode.StreamClosed);
    }

    [Fact]
    public async Task S5_1_ClosedByOurReset_LaterFramesAreIgnored()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, path: "/hold", method: "POST");
        await client.SendWindowUpdateAsync(0, 1);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteFrame(w, Http2FrameType.WindowUpdate, Http2FrameFlags.None, 1, [0, 0, 0, 0])));
        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);

        // §5.1: after our RST_STREAM the peer may still have frames in flight; they are ignored, not answered.
        await client.SendDataAsync(1, [1, 2], endStream: false);
        await client.SendWindowUpdateAsync(1, 10);
        await client.SendRstAsync(1);
        await H2Assert.AliveAsync(client, 42);
        Assert.DoesNotContain(client.Received, f => f.Type == Http2FrameType.RstStream && f.StreamId == 1 && f.ErrorCode != Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S5_1_1_EvenStreamIdFromClient_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(2);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S5_1_1_LowerStreamIdThanBefore_IsIgnoredAndBlockStillDecoded()
    {
        // The codec's documented choice (nghttp2/Envoy): indistinguishable from a stream we forgot, so ignored.
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(5);
        await H2Assert.ResponseAsync(client, 5);
        await client.SendRequestAsync(3);
        await client.SendRequestAsync(7);

        var (status, _) = await H2Assert.ResponseAsync(client, 7);
        Assert.Equal(200, status);
        Assert.DoesNotContain(client.Received, f => f.StreamId == 3);
    }

    [Fact]
    public async Task S5_1_2_BeyondMaxConcurrentStreams_RefusedStream()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        for (var i = 0; i < 100; i++)
        {
            await client.SendRequestAsync(1 + (2 * i), endStream: true, path: "/hold");
        }

        await client.SendRequestAsync(201);

        await H2Assert.StreamErrorAsync(client, 201, Http2ErrorCode.RefusedStream);
        await client.SendRstAsync(1);
        await client.SendRequestAsync(203);
        var (status, _) = await H2Assert.ResponseAsync(client, 203);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task S5_3_1_HeadersDependingOnItself_RstProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var block = RequestBlock();
        byte[] payload = [0, 0, 0, 1, 16, .. block];
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream | Http2FrameFlags.Priority, 1, payload);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
        await client.SendRequestAsync(3);
        Assert.Equal(200, (await H2Assert.ResponseAsync(client, 3)).Status);
    }

    [Fact]
    public async Task S5_3_1_PriorityDependingOnItself_OnOpenStream_RstProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendAsync(Frames(w => Http2FrameWriter.WritePriority(w, 1, 1, exclusive: false, 16)));

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S5_4_1_ConnectionError_GoAwayCarriesLastStreamIdAndDetail()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1);
        await H2Assert.ResponseAsync(client, 1);
        await client.SendRequestAsync(3, endStream: true, path: "/hold");
        await client.SendFrameAsync(Http2FrameType.Settings, Http2FrameFlags.None, 3);

        var goAway = await client.ReadGoAwayAsync();
        Assert.Equal(Http2ErrorCode.ProtocolError, goAway!.ErrorCode);
        Assert.Equal(3, goAway.LastStreamId);
        Assert.Equal("http2.settings_on_stream", goAway.DebugData);
        Assert.True(await client.ClosedByPeerAsync());
    }

    [Fact]
    public async Task S5_5_UnknownFrameInsideFieldBlock_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var block = RequestBlock();
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block[..5]);
        await client.SendFrameAsync((Http2FrameType)0x30, Http2FrameFlags.None, 1, 1);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }
}
