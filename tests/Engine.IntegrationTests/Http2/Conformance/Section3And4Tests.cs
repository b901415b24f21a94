using System.Text;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http2;
using static Engine.IntegrationTests.Http2.Support.RawH2Client;

namespace Engine.IntegrationTests.Http2.Conformance;

/// <summary>RFC 9113 §3.4 (preface) and §4 (frame format, frame size, field blocks) against a running connection.</summary>
public sealed class Section3And4Tests(ConformanceServer server) : IClassFixture<ConformanceServer>
{
    [Fact]
    public async Task S3_4_InvalidPreface_GoAwayProtocolError()
    {
        await using var client = await ConnectAsync(server.Endpoint);
        await client.SendAsync(Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n"));

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S3_4_FirstFrameNotSettings_GoAwayProtocolError()
    {
        await using var client = await ConnectAsync(server.Endpoint);
        await client.SendAsync([.. Http2Preface.ClientPreface, .. Frames(w => Http2FrameWriter.WritePing(w, 1, ack: false))]);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.ProtocolError);
    }

    [Fact]
    public async Task S3_4_ServerPreface_IsSettingsWithOurLimits_ThenConnectionWindowUpdate()
    {
        await using var client = await ConnectAsync(server.Endpoint);
        await client.SendPrefaceAsync();

        var settings = await client.ReadFrameAsync();
        var windowUpdate = await client.ReadFrameAsync();

        Assert.Equal(Http2FrameType.Settings, settings!.Type);
        Assert.False(settings.IsAck);
        var values = new Http2Settings();
        Assert.Equal(Http2Error.None, values.Apply(new System.Buffers.ReadOnlySequence<byte>(settings.Payload), receivedByClient: true, out _));
        Assert.Equal(100u, values.MaxConcurrentStreams);
        Assert.Equal(1024 * 1024, values.InitialWindowSize);
        Assert.False(values.EnablePush);
        Assert.Equal(Http2FrameType.WindowUpdate, windowUpdate!.Type);
        Assert.Equal(0, windowUpdate.StreamId);
        Assert.Equal((1024 * 1024) - 65_535, windowUpdate.WindowIncrement);
    }

    [Fact]
    public async Task S4_1_UnknownFrameType_IsIgnored()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync((Http2FrameType)0x20, Http2FrameFlags.None, 0, 1, 2, 3, 4);
        await client.SendFrameAsync((Http2FrameType)0xF0, (Http2FrameFlags)0xFF, 7, 9, 9);

        await H2Assert.AliveAsync(client);
    }

    [Fact]
    public async Task S4_1_UndefinedFlags_AreIgnored()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendFrameAsync(Http2FrameType.Ping, (Http2FrameFlags)0xFE, 0, 1, 2, 3, 4, 5, 6, 7, 8);

        var ack = await client.ReadUntilAsync(f => f.Type == Http2FrameType.Ping);
        Assert.True(ack!.IsAck);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, ack.Payload);
    }

    [Fact]
    public async Task S4_1_ReservedBitInStreamId_IsIgnored()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var frame = Frames(w => Http2FrameWriter.WriteHeaders(w, 1, RequestBlock("/x"), endStream: true, 16_384));
        frame[5] |= 0x80;
        await client.SendAsync(frame);

        var (status, _) = await H2Assert.ResponseAsync(client, 1);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task S4_2_DataLargerThanMaxFrameSize_GoAwayFrameSizeError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        await client.SendFrameAsync(Http2FrameType.Data, Http2FrameFlags.None, 1, new byte[16_385]);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task S4_2_HeadersLargerThanMaxFrameSize_GoAwayFrameSizeError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var block = RequestBlock("/", "GET", ("x-big", new string('a', 16_400)));
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 1, block);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FrameSizeError);
    }

    [Fact]
    public async Task S4_2_DataOfExactlyMaxFrameSize_IsAccepted()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        await client.SendFrameAsync(Http2FrameType.Data, Http2FrameFlags.EndStream, 1, new byte[16_384]);

        var (status, body) = await H2Assert.ResponseAsync(client, 1);
        Assert.Equal(200, status);
        Assert.StartsWith("16384;", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task S4_3_UndecodableFieldBlock_GoAwayCompressionError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);

        // Indexed field 0 does not exist (RFC 7541 §6.1).
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndHeaders | Http2FrameFlags.EndStream, 1, 0x80);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.CompressionError);
    }

    [Fact]
    public async Task S4_3_FieldBlockSplitAcrossContinuations_IsAccepted()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var block = RequestBlock("/split", "GET", ("x-a", new string('a', 100)));
        await client.SendFrameAsync(Http2FrameType.Headers, Http2FrameFlags.EndStream, 1, block[..10]);
        await client.SendFrameAsync(Http2FrameType.Continuation, Http2FrameFlags.None, 1, block[10..50]);
        await client.SendFrameAsync(Http2FrameType.Continuation, Http2FrameFlags.EndHeaders, 1, block[50..]);

        var (status, _) = await H2Assert.ResponseAsync(client, 1);
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task S4_3_DynamicTable_StaysInStepAcrossStreams()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var encoder = new HpackEncoder();
        for (var streamId = 1; streamId <= 7; streamId += 2)
        {
            var head = H2Calls.Request("GET", "/indexed", "conformance.local", ("x-repeated", "same-value-every-time"));
            await client.SendAsync(Frames(w => Http2HeadWriter.WriteRequest(w, streamId, head, encoder, endStream: true, 16_384)));
            var (status, body) = await H2Assert.ResponseAsync(client, streamId);
            Assert.Equal(200, status);
            Assert.EndsWith("conformance.local", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task S4_3_ServerFollowsOurHeaderTableSize()
    {
        await using var client = await HandshakeAsync(server.Endpoint, new Http2Setting(Http2SettingsParameter.HeaderTableSize, 0));
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Settings && f.IsAck);
        client.Decoder.SetMaxTableSize(0);

        for (var streamId = 1; streamId <= 3; streamId += 2)
        {
            await client.SendRequestAsync(streamId);
            var (status, _) = await H2Assert.ResponseAsync(client, streamId);
            Assert.Equal(200, status);
        }
    }
}
