using Engine.Http2;
using Engine.IntegrationTests.Http2.Support;
using Engine.Protocols.Http2;
using static Engine.IntegrationTests.Http2.Support.RawH2Client;

namespace Engine.IntegrationTests.Http2.Conformance;

/// <summary>RFC 9113 §6.9 flow control, both directions, against a running connection.</summary>
public sealed class Section6FlowControlTests(ConformanceServer server) : IClassFixture<ConformanceServer>
{
    [Fact]
    public async Task S6_9_1_ServerSendsNoMoreThanTheStreamWindow_UntilUpdated()
    {
        await using var client = await HandshakeAsync(server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 100));
        await client.SendRequestAsync(1, path: "/bytes/1000");
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);

        // A PING answered after the data shows the server wrote all it could: exactly the window.
        await H2Assert.AliveAsync(client, 1);
        Assert.Equal(100, client.Received.Where(f => f.Type == Http2FrameType.Data).Sum(f => f.Payload.Length));

        await client.SendWindowUpdateAsync(1, 900);
        var (_, rest, _) = await client.ReadResponseAsync(1);
        Assert.Equal(900, rest.Length);
    }

    [Fact]
    public async Task S6_9_1_ServerSendsNoMoreThanTheConnectionWindow_UntilUpdated()
    {
        await using var client = await HandshakeAsync(server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 1 << 20));
        await client.SendRequestAsync(1, path: "/bytes/50000");
        await client.SendRequestAsync(3, path: "/bytes/50000");
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 3);
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);

        await H2Assert.AliveAsync(client, 2);
        Assert.Equal(65_535, client.Received.Where(f => f.Type == Http2FrameType.Data).Sum(f => f.Payload.Length));

        await client.SendWindowUpdateAsync(0, 100_000);
        for (var i = 0; i < 2; i++)
        {
            await client.ReadUntilAsync(f => f.Type == Http2FrameType.Data && f.EndStream);
        }

        Assert.Equal(100_000, client.Received.Where(f => f.Type == Http2FrameType.Data).Sum(f => f.Payload.Length));
    }

    [Fact]
    public async Task S6_9_2_InitialWindowSizeChange_AppliesToOpenStreams()
    {
        await using var client = await HandshakeAsync(server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 0));
        await client.SendRequestAsync(1, path: "/bytes/1000");
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);
        await H2Assert.AliveAsync(client, 3);
        Assert.DoesNotContain(client.Received, f => f.Type == Http2FrameType.Data);

        await client.SendAsync(Frames(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(Http2SettingsParameter.InitialWindowSize, 1000)])));

        var (_, body, _) = await client.ReadResponseAsync(1);
        Assert.Equal(1000, body.Length);
    }

    [Fact]
    public async Task S6_9_2_SettingsThatOverflowAStreamWindow_GoAwayFlowControlError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendWindowUpdateAsync(1, int.MaxValue - 65_535);
        await client.SendAsync(Frames(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(Http2SettingsParameter.InitialWindowSize, 65_536)])));

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public async Task S6_9_1_ConnectionWindowOverflow_GoAwayFlowControlError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendWindowUpdateAsync(0, int.MaxValue);

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public async Task S6_9_1_StreamWindowOverflow_RstFlowControlError()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: true, path: "/hold");
        await client.SendWindowUpdateAsync(1, int.MaxValue);

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public async Task S6_9_DataBeyondOurStreamWindow_RstFlowControlError()
    {
        var options = new Http2SessionOptions { Limits = Http2Limits.Default with { InitialStreamWindowSize = 65_535 } };
        await using var small = await H2TestServer.StartAsync(ConformanceServer.HandleAsync, options);
        await using var client = await HandshakeAsync(small.Endpoint);
        await client.SendRequestAsync(1, endStream: false, path: "/hold", method: "POST");
        for (var i = 0; i < 4; i++)
        {
            await client.SendDataAsync(1, new byte[16_384], endStream: false);
        }

        await H2Assert.StreamErrorAsync(client, 1, Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public async Task S6_9_DataBeyondOurConnectionWindow_GoAwayFlowControlError()
    {
        var options = new Http2SessionOptions { Limits = Http2Limits.Default with { InitialConnectionWindowSize = 65_535 } };
        await using var small = await H2TestServer.StartAsync(ConformanceServer.HandleAsync, options);
        await using var client = await HandshakeAsync(small.Endpoint);
        await client.SendRequestAsync(1, endStream: false, path: "/hold", method: "POST");
        for (var i = 0; i < 4; i++)
        {
            await client.SendDataAsync(1, new byte[16_384], endStream: false);
        }

        await H2Assert.ConnectionErrorAsync(client, Http2ErrorCode.FlowControlError);
    }

    [Fact]
    public async Task S6_9_ConsumedData_IsCreditedBack()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        await client.SendRequestAsync(1, endStream: false, method: "POST");
        for (var i = 0; i < 40; i++)
        {
            await client.SendDataAsync(1, new byte[16_384], endStream: i == 39);
        }

        var (status, body) = await H2Assert.ResponseAsync(client, 1);
        Assert.Equal(200, status);
        Assert.StartsWith("655360;", body, StringComparison.Ordinal);
        var connectionCredit = client.Received.Where(f => f.Type == Http2FrameType.WindowUpdate && f.StreamId == 0).Sum(f => (long)f.WindowIncrement);
        Assert.True(connectionCredit >= (1 << 20) - 65_535 + (512 * 1024), "connection credit " + connectionCredit);
    }
}
