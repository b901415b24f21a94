using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;
using static Engine.IntegrationTests.Http2.Support.RawH2Client;

namespace Engine.IntegrationTests.Http2.Conformance;

/// <summary>RFC 9113 §6 (each frame type's rules) against a running connection; flow control is in <see cref="Section6FlowControlTests"/>.</summary>
public sealed class Section6Tests(ConformanceServer server) : IClassFixture<ConformanceServer>
{
    [Fact]
    public async Task S6_1_DataOnStreamZero_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 0, 1, 2);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_1_DataPaddingLongerThanPayload_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        await client.SendFrameAsync(Http2FrameType.Data, Http2FrameFlags.Padded, 1, 10, 1, 2, 3);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_1_PaddedData_PaddingIsNotPartOfTheBody()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        await client.SendFrameAsync(Http2FrameType.Data, Http2FrameFlags.Padded | Http2FrameFlags.EndStream, 1, [4, 1, 2, 3, 0, 0, 0, 0]);

        var (_, body) = await H2Assert.ResponseAsync(client, 1);
        Assert.StartsWith("3;", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S6_2_HeadersOnStreamZero_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 0, RequestBlock());

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_2_HeadersPaddingTooLong_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var block = RequestBlock();
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream | Http2FrameFlags.Padded, 1, [(byte)(block.Length + 1), .. block]);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_2_HeadersWithPaddingAndPriority_AreAccepted()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var block = RequestBlock();
        await client.SendFrameAsync(
            Http2FrameType.Headers,
            Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream | Http2FrameFlags.Padded | Http2FrameFlags.Priority,
            1,
            [3, 0, 0, 0, 0, 200, .. block, 0, 0, 0]);

        Assert.Equal(200, (await H2Assert.ResponseAsync(client, 1)).Status);
    }

    [Fact]
    public async Task S6_3_PriorityOnStreamZero_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Priority, Http2FrameFlags.None, 0, 0, 0, 0, 1, 16);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_3_PriorityWrongLength_OnOpenStream_RstFrameSizeError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendFrameAsync(Http2FrameType.Priority, Http2FrameFlags.None, 1, 0, 0, 0, 3);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task S6_3_PriorityWrongLength_OnIdleStream_GoAwayFrameSizeError()
    {
        // RST_STREAM may not be sent on an idle stream (§6.4), so the stream error becomes a connection error (§5.4.1).
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Priority, Http2FrameFlags.None, 9, 0, 0, 0, 3, 1, 1);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task S6_4_RstStreamOnStreamZero_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRstAsync(0);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_4_RstStreamWrongLength_GoAwayFrameSizeError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendFrameAsync(Http2FrameType.RstStream, Http2FrameFlags.None, 1, 0, 0, 0, 8, 0);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task S6_4_RstStreamFromClient_EndsTheStreamOthersGoOn()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendRstAsync(1, Http2ErrorCode.Cancel);
        await client.SendRequestAsync(3);

        Assert.Equal(200, (await H2Assert.ResponseAsync(client, 3)).Status);
        Assert.DoesNotContain(client.Received, f => f.StreamId == 1);
    }

    [Fact]
    public async Task S6_5_SettingsAckWithPayload_GoAwayFrameSizeError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Settings, Http2FrameFlags.Ack, 0, 0, 3, 0, 0, 0, 100);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task S6_5_SettingsOnStream_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Settings, Http2FrameFlags.None, 1, 0, 3, 0, 0, 0, 100);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_5_SettingsLengthNotMultipleOfSix_GoAwayFrameSizeError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Settings, Http2FrameFlags.None, 0, 0, 3, 0, 0, 100);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Theory]
    [InlineData(Http2SettingsParameter.EnablePush, 2u, Http2ErrorCode.ProtocolError)]
    [InlineData(Http2SettingsParameter.InitialWindowSize, 0x8000_0000u, Http2ErrorCode.FlowControlError)]
    [InlineData(Http2SettingsParameter.MaxFrameSize, 16_383u, Http2ErrorCode.ProtocolError)]
    [InlineData(Http2SettingsParameter.MaxFrameSize, 16_777_216u, Http2ErrorCode.ProtocolError)]
    public async Task S6_5_2_SettingsValueOutOfRange_GoAway(Http2SettingsParameter parameter, uint value, Http2ErrorCode code)
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(parameter, value)])));

        await H2Assert.ConnectionErrorAsync(client, code);
    }

    [Fact]
    public async Task S6_5_3_Settings_AreAcknowledged_UnknownParametersIgnored()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting((Http2SettingsParameter)0x4242, 7), new Http2Setting(Http2SettingsParameter.MaxFrameSize, 20_000)])));

        var ack = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Settings && f.IsAck);
        Assert.NotNull(ack);
        Assert.Empty(ack!.Payload);
        await H2Assert.AliveAsync(client);
    }

    [Fact]
    public async Task S6_5_3_LargerMaxFrameSize_ServerMaySendLargerDataFrames()
    {
        await using var client = await HandshakeAsync(server.Endpoint, new Http2Setting(Http2SettingsParameter.MaxFrameSize, 65_536), new Http2Setting(Http2SettingsParameter.InitialWindowSize, 1 << 20));
        await client.SendWindowUpdateAsync(0, 1 << 20);
        await client.SendRequestAsync(1, path: "/bytes/100000");

        var (_, body, _) = await client.ReadResponseAsync(1);
        Assert.Equal(100_000, body.Length);
        Assert.Contains(client.Received, f => f.Type == Http2FrameType.Data && f.Payload.Length > 16_384);
        Assert.All(client.Received, f => Assert.True(f.Payload.Length <= 65_536));
    }

    [Fact]
    public async Task S6_7_Ping_IsAcknowledgedWithTheSameData()
    {
        await using var client = await HandshakeAsync(server.Endpoint);

        await H2Assert.AliveAsync(client, 0xDEADBEEFCAFEBABE);
    }

    [Fact]
    public async Task S6_7_PingAck_IsNotAnswered()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendAsync(Frames(w => Http2FrameWriter.WritePing(w, 77, ack: true)));

        await H2Assert.AliveAsync(client, 78);
        Assert.DoesNotContain(client.Received, f => f.Type == Http2FrameType.Ping && f.Payload[7] == 77);
    }

    [Fact]
    public async Task S6_7_PingOnStream_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Ping, Http2FrameFlags.None, 1, new byte[8]);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_7_PingWrongLength_GoAwayFrameSizeError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Ping, Http2FrameFlags.None, 0, new byte[6]);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task S6_8_GoAwayOnStream_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.GoAway, Http2FrameFlags.None, 1, new byte[8]);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_8_GoAwayFromClient_StreamsInFlightFinishThenServerCloses()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteGoAway(w, 0, Http2ErrorCode.NoError)));
        await client.SendDataAsync(1, [1, 2, 3, 4], endStream: true);

        var (status, body) = await H2Assert.ResponseAsync(client, 1);
        Assert.Equal(200, status);
        Assert.StartsWith("4;", body, StringComparison.Ordinal);
        Assert.True(await client.ClosedByPeerAsync());
    }

    [Fact]
    public async Task S6_9_WindowUpdateZeroOnConnection_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.WindowUpdate, Http2FrameFlags.None, 0, 0, 0, 0, 0);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_9_WindowUpdateZeroOnStream_RstProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendFrameAsync(Http2FrameType.WindowUpdate, Http2FrameFlags.None, 1, 0, 0, 0, 0);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_9_WindowUpdateWrongLength_GoAwayFrameSizeError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.WindowUpdate, Http2FrameFlags.None, 0, 0, 0, 1);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task S6_10_ContinuationAfterEndHeaders_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendFrameAsync(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, Block(("x-a", "b")));

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_10_OtherFrameInsideFieldBlock_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var block = RequestBlock();
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block[..5]);
        await client.SendAsync(Frames(w => Http2FrameWriter.WritePing(w, 1, ack: false)));

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_10_ContinuationOnAnotherStream_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var block = RequestBlock();
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block[..5]);
        await client.SendFrameAsync(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 3, block[5..]);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_10_ContinuationOnStreamZero_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 0, 0x82);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S6_6_PushPromiseFromClient_GoAwayProtocolError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.PushPromise, Http2FrameFlags.EndHeaders, 1, [0, 0, 0, 2, .. RequestBlock()]);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }
}
