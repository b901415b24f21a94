using System.Net;
using Engine.Http2.Server;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Proxy;

/// <summary>
/// An HTTP/2 upstream that refuses streams (RST_STREAM REFUSED_STREAM: nothing was processed,
/// RFC 9113 §8.7): Istio's default retry policy includes refused-stream, so the request is sent
/// again; a policy without it answers 503 with flag UR.
/// </summary>
public sealed class RefusedStreamRetryTests : IAsyncLifetime
{
    private H2TestServer _upstream = null!;
    private int _requests;
    private int _refuse;

    public async Task InitializeAsync() => _upstream = await H2TestServer.StartAsync(HandleAsync);

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    private async ValueTask HandleAsync(Http2ServerStream stream)
    {
        Interlocked.Increment(ref _requests);
        if (Interlocked.Decrement(ref _refuse) >= 0)
        {
            stream.Reset(Http2ErrorCode.RefusedStream);
            return;
        }

        await H2TestServer.OkAsync(stream);
    }

    private Task<TestSidecar> StartAsync(string retries) => TestSidecar.StartAsync(
    [
        $$$"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: h2}
        spec:
          hosts: [h2]
          resolution: STATIC
          ports: [{number: 8080, name: http2, protocol: HTTP2}]
          endpoints: [{address: 127.0.0.1, ports: {http2: {{{_upstream.Endpoint.Port}}}}}]
        """,
        $$$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: h2}
        spec:
          hosts: [h2]
          http:
          - route: [{destination: {host: h2}}]
            {{{retries}}}
        """,
    ]);

    [Fact]
    public async Task DefaultPolicy_RetriesARefusedStream()
    {
        await using var sidecar = await StartAsync(string.Empty);
        _refuse = 2;

        using var response = await sidecar.GetAsync("h2:8080", "/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal(3, _requests);
        Assert.Equal(3, (await sidecar.Telemetry.SingleAsync("/")).Attempts);
    }

    [Fact]
    public async Task PolicyWithoutRefusedStream_Answers503_UR()
    {
        await using var sidecar = await StartAsync("retries: {attempts: 2, retryOn: retriable-4xx}");
        _refuse = 1;

        using var response = await sidecar.GetAsync("h2:8080", "/");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(Engine.Proxy.LocalReplies.RefusedStreamBody, await response.Content.ReadAsStringAsync());
        Assert.Equal(1, _requests);
        Assert.Contains("UR", (await sidecar.Telemetry.SingleAsync("/")).FlagCodes, StringComparison.Ordinal);
    }
}
