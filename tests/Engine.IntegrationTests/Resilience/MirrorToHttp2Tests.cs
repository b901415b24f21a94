using System.Net;
using Engine.IntegrationTests.Grpc;
using Engine.IntegrationTests.Grpc.Protos;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Proxy;

namespace Engine.IntegrationTests.Resilience;

/// <summary>
/// Mirrors whose cluster speaks HTTP/2 (a gRPC port, an http2 port): the copy goes over an HTTP/2
/// stream, as the request itself would, so an HTTP/2-only server (every gRPC one) can read it.
/// </summary>
public sealed class MirrorToHttp2Tests
{
    private readonly CancellationTokenSource _guard = new(TimeSpan.FromSeconds(60));

    [Fact]
    public async Task GrpcCalls_AreMirroredToAGrpcSubset_EachMessageIntact()
    {
        await using var v1 = await GrpcTestServer.StartAsync("grpc-v1");
        await using var v2 = await GrpcTestServer.StartAsync("grpc-v2");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            GrpcMesh.Service((v1, "v1"), (v2, "v2")),
            MeshYaml.Subsets(GrpcMesh.Host, "v1", "v2"),
            $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: {{GrpcMesh.Host}}}
            spec:
              hosts: [{{GrpcMesh.Host}}]
              http:
              - route:
                - destination: {host: {{GrpcMesh.Host}}, subset: v1}
                mirror: {host: {{GrpcMesh.Host}}, subset: v2}
            """,
        ]);
        using var channel = GrpcClients.Via(sidecar.Endpoint, GrpcMesh.Authority);
        var client = channel.Client();

        // Unary calls: the mirror's server parses each copy (it counts the call under its key).
        for (var i = 0; i < 10; i++)
        {
            var reply = await client.FailAsync(new FailRequest { Key = $"m{i}" }, cancellationToken: _guard.Token);
            Assert.Equal("grpc-v1", reply.Server);
        }

        // A client-streaming call: copied once its last message (END_STREAM) has passed.
        using var call = client.Sum(cancellationToken: _guard.Token);
        for (var i = 1; i <= 3; i++)
        {
            await call.RequestStream.WriteAsync(new Number { Value = i }, _guard.Token);
        }

        await call.RequestStream.CompleteAsync();
        var sum = await call;
        Assert.Equal(("grpc-v1", 6L), (sum.Server, (long)sum.Total));

        await WaitFor.ConditionAsync(
            () => Enumerable.Range(0, 10).All(i => v2.CallsFor($"m{i}") == 1) && v2.Calls == 11,
            because: $"every call reaches the mirror once (v2 saw {v2.Calls} calls; mirrors failed {sidecar.Sidecar.Server.Mirrors.Failed}, dropped {sidecar.Sidecar.Server.Mirrors.Dropped})");
        Assert.Equal(11, v1.Calls);
        Assert.Equal(0, sidecar.Sidecar.Server.Mirrors.Failed);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public async Task AnUpload_IsMirroredToAnHttp2Port_WithItsBodyUnframed(bool http2Client, bool sized)
    {
        // An HTTP/1.1 chunked upload reaches the HTTP/2 mirror as its data alone, not its chunk framing.
        await using var upstreams = await Upstreams.StartAsync("v1");
        await using var recorder = await KestrelH2Server.StartAsync();
        await using var sidecar = await StartWithRecorderAsync(upstreams, recorder, proxy: null, http2Client);
        const string text = "an upload mirrored to an HTTP/2 server";

        using var request = sidecar.NewRequest(HttpMethod.Post, "/record");
        request.Content = new TwoPartContent(System.Text.Encoding.ASCII.GetBytes(text), TimeSpan.FromMilliseconds(100), sized);
        request.Headers.Host = "httpbin:8000";
        using var response = await sidecar.Client.SendAsync(request, _guard.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", response.Headers.GetValues("x-served-by").Single());
        await WaitFor.ConditionAsync(() => !recorder.Recorded.IsEmpty, because: $"the copy reaches the HTTP/2 server (mirrors failed {sidecar.Sidecar.Server.Mirrors.Failed}, dropped {sidecar.Sidecar.Server.Mirrors.Dropped})");
        Assert.Equal(("httpbin:8000", text), recorder.Recorded.Single());
    }

    [Fact]
    public async Task TheShadowHostSuffix_GoesIntoTheAuthority_OfAnHttp2Copy()
    {
        await using var upstreams = await Upstreams.StartAsync("v1");
        await using var recorder = await KestrelH2Server.StartAsync();
        await using var sidecar = await StartWithRecorderAsync(upstreams, recorder, new ProxyOptions { MirrorShadowHostSuffix = true }, http2Client: false);

        var reply = await sidecar.SendAsync(HttpMethod.Post, "httpbin:8000", "/record");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        await WaitFor.ConditionAsync(() => !recorder.Recorded.IsEmpty);
        Assert.Equal("httpbin-shadow:8000", recorder.Recorded.Single().Authority);
    }

    /// <summary>httpbin (HTTP/1.1, served by v1) mirrored to recorder, whose port speaks HTTP/2.</summary>
    private static Task<TestSidecar> StartWithRecorderAsync(Upstreams upstreams, KestrelH2Server recorder, ProxyOptions? proxy, bool http2Client) => TestSidecar.StartAsync(
    [
        MeshYaml.Service("httpbin", 8000, (upstreams.PortOf("v1"), "v1")),
        MeshYaml.Service("recorder", 8000, "http2", [(recorder.Endpoint.Port, new Dictionary<string, string> { ["version"] = "v1" })], "HTTP2"),
        """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: httpbin}
        spec:
          hosts: [httpbin]
          http:
          - route:
            - destination: {host: httpbin}
            mirror: {host: recorder}
        """,
    ], proxy: proxy, http2: http2Client);
}
