using Engine.IntegrationTests.Infrastructure;
using static Engine.IntegrationTests.Infrastructure.UploadBodies;

namespace Engine.IntegrationTests.Proxying;

/// <summary>
/// A request head that arrives in pieces (a slow client, small TCP segments, a 61 KiB head under
/// load) is parsed when its last piece comes. On the epoll transport the session used to retry
/// the pipe's TryRead after a partial head, which hands back the bytes it had already examined: it
/// spun on the event-loop thread that was to read the rest, until the head timeout answered 408.
/// </summary>
public sealed class SplitHeadTests
{
    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task AHeadInPieces_IsAnsweredWhenItsLastPieceComes(string kind)
    {
        await using var upstreams = await Upstreams.StartAsync("svc-1");
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (upstreams.PortOf("svc-1"), "v1"))], proxy: On(kind));
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await client.SendAsync("GET /split HTTP/1.1\r\nHo");
        await Task.Delay(100);
        await client.SendAsync("st: svc:8080\r\nx-note: ");
        await Task.Delay(100);
        await client.SendAsync("pieces\r\n\r\n");

        Assert.Equal(200, (await client.ReadResponseAsync()).Status); // 408 after 10 s when the session spins
    }

    [Theory]
    [InlineData("Epoll")]
    [InlineData("Kestrel")]
    public async Task AStartThatCouldBeTheHttp2Preface_WaitsForTheRest(string kind)
    {
        await using var upstreams = await Upstreams.StartAsync("svc-1");
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (upstreams.PortOf("svc-1"), "v1"))], proxy: On(kind));
        await using var client = await RawHttp.ConnectAsync(sidecar.Endpoint);

        await client.SendAsync("PR");
        await Task.Delay(100);
        await client.SendAsync("OPFIND / HTTP/1.1\r\nHost: svc:8080\r\n\r\n"); // not the preface after all: HTTP/1.1

        Assert.NotEqual(408, (await client.ReadResponseAsync()).Status);
    }
}
