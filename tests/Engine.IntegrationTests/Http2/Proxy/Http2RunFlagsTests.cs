using System.Buffers.Binary;
using System.Net;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>The HTTP/2 limits on the `engine run` command line reach the wire: the SETTINGS the proxy sends, and what it refuses.</summary>
public sealed class Http2RunFlagsTests
{
    [Fact]
    public async Task MaxConcurrentStreamsAndWindow_AreAdvertised_AndTheStreamLimitHolds()
    {
        await using var upstreams = await Upstreams.StartAsync("svc");
        var config = Directory.CreateTempSubdirectory("engine-h2flags-").FullName;
        await File.WriteAllTextAsync(Path.Combine(config, "mesh.yaml"), MeshYaml.Service("localhost", 80, (upstreams.PortOf("svc"), "v1")));
        var port = FreePort.Next();
        await using var engine = EngineProcess.Start($"run --config {config} --listen 127.0.0.1:{port} --admin none --access-log off --http2-max-concurrent-streams 3 --http2-initial-stream-window 262144");
        await engine.WaitForOutputAsync("ready on");

        await using var client = await RawH2Client.HandshakeAsync(new IPEndPoint(IPAddress.Loopback, port));
        var settings = client.Received.First(f => f.Type == Http2FrameType.Settings && !f.IsAck);
        Assert.Equal(3u, Setting(settings.Payload, 0x3));
        Assert.Equal(262_144u, Setting(settings.Payload, 0x4));

        // Four requests whose bodies never end: the fourth is over the limit and refused.
        for (var id = 1; id <= 7; id += 2)
        {
            await client.SendRequestAsync(id, endStream: false, method: "POST");
        }

        var refused = await client.ReadResetOrGoAwayAsync(7);
        Assert.NotNull(refused);
        Assert.Equal(Http2FrameType.RstStream, refused!.Type);
        Assert.Equal(Http2ErrorCode.RefusedStream, refused.ErrorCode);
    }

    [Theory]
    [InlineData("--http2-max-concurrent-streams 0", "--http2-max-concurrent-streams")]
    [InlineData("--http2-initial-stream-window 1000", "--http2-initial-stream-window")]
    public async Task OutOfRange_IsRefusedWithTheFlagNamed(string flag, string named)
    {
        var (code, output) = await EngineProcess.RunAsync($"run --config samples/bookinfo/mesh --listen 127.0.0.1:0 --admin none {flag}");

        Assert.NotEqual(0, code);
        Assert.Contains(named, output, StringComparison.Ordinal);
    }

    private static uint? Setting(byte[] payload, ushort id)
    {
        for (var i = 0; i + 6 <= payload.Length; i += 6)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i)) == id)
            {
                return BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(i + 2));
            }
        }

        return null;
    }
}
