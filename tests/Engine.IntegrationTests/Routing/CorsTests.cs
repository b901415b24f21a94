using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Routing;

/// <summary>corsPolicy with Envoy's CORS filter behaviour, using Istio's own sample.</summary>
public class CorsTests : IAsyncLifetime
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    private Upstreams _upstreams = null!;
    private TestSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("ratings-v1");
        var samples = RepoPaths.IstioSamples;
        var vs = samples is null
            ? """
              apiVersion: networking.istio.io/v1
              kind: VirtualService
              metadata: {name: ratings-route}
              spec:
                hosts: [ratings.prod.svc.cluster.local]
                http:
                - route:
                  - destination: {host: ratings.prod.svc.cluster.local, subset: v1}
                  corsPolicy:
                    allowOrigins: [{exact: "https://example.com"}]
                    allowMethods: [POST, GET]
                    allowCredentials: false
                    allowHeaders: [X-Foo-Bar]
                    maxAge: "24h"
              """
            : await File.ReadAllTextAsync(Path.Combine(samples, "api-vs-cors-policy.yaml"));
        _sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("ratings.prod.svc.cluster.local", 9080, (_upstreams.PortOf("ratings-v1"), "v1")),
            MeshYaml.Subsets("ratings.prod.svc.cluster.local", "v1"),
            vs,
        ], http2: OverHttp2);
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _upstreams.DisposeAsync();
    }

    private Task<EchoReply> SendAsync(HttpMethod method, params (string, string)[] headers)
        => _sidecar.SendAsync(method, "ratings.prod.svc.cluster.local:9080", "/ratings/0", headers);

    [Fact]
    public async Task Preflight_FromAnAllowedOrigin_IsAnsweredLocally()
    {
        var before = _upstreams["ratings-v1"].Requests;

        var reply = await SendAsync(HttpMethod.Options, ("Origin", "https://example.com"), ("Access-Control-Request-Method", "POST"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("https://example.com", reply.Header("access-control-allow-origin"));
        Assert.Equal("POST,GET", reply.Header("access-control-allow-methods"));
        Assert.Equal("X-Foo-Bar", reply.Header("access-control-allow-headers"));
        Assert.Equal("86400", reply.Header("access-control-max-age"));
        Assert.Null(reply.Header("access-control-allow-credentials"));
        Assert.Equal(before, _upstreams["ratings-v1"].Requests);
    }

    [Fact]
    public async Task Preflight_FromAnotherOrigin_IsForwarded_WithoutCorsHeaders()
    {
        var reply = await SendAsync(HttpMethod.Options, ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST"));

        Assert.Equal("ratings-v1", reply.ServedBy);
        Assert.Null(reply.Header("access-control-allow-origin"));
    }

    [Fact]
    public async Task ActualRequest_FromAnAllowedOrigin_GetsTheOriginEchoed()
    {
        var reply = await SendAsync(HttpMethod.Get, ("Origin", "https://example.com"));

        Assert.Equal("ratings-v1", reply.ServedBy);
        Assert.Equal("https://example.com", reply.Header("access-control-allow-origin"));
    }

    [Fact]
    public async Task ActualRequest_FromAnotherOrigin_GetsNoCorsHeaders()
    {
        var reply = await SendAsync(HttpMethod.Get, ("Origin", "https://other.example"));

        Assert.Equal("ratings-v1", reply.ServedBy);
        Assert.Null(reply.Header("access-control-allow-origin"));
    }

    [Fact]
    public async Task OptionsWithoutRequestMethod_IsNotAPreflight()
    {
        var reply = await SendAsync(HttpMethod.Options, ("Origin", "https://example.com"));

        Assert.Equal("ratings-v1", reply.ServedBy);
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class CorsTestsOverH2c : CorsTests
{
    protected override bool OverHttp2 => true;
}
