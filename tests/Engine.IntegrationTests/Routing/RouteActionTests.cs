using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Routing;

/// <summary>rewrite, redirect, directResponse and headers through the real proxy, each with its negative case.</summary>
public class RouteActionTests : IAsyncLifetime
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-v1", "svc-v2");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private Task<TestSidecar> StartAsync(string httpRules) => TestSidecar.StartAsync(
    [
        MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-v1"), "v1"), (_upstreams.PortOf("svc-v2"), "v2")),
        MeshYaml.Subsets("svc", "v1", "v2"),
        "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: svc}\nspec:\n  hosts: [svc, example.com]\n  http:\n" + httpRules,
    ], http2: OverHttp2);

    private static Task<EchoReply> GetAsync(TestSidecar sidecar, string path, params (string, string)[] headers)
        => sidecar.SendAsync(HttpMethod.Get, "svc:8080", path, headers);

    [Theory]
    [InlineData("prefix", "/api/", "/v2/", "/api/users?x=1", "/v2/users?x=1")]
    [InlineData("prefix", "/common", "/", "/common/api", "//api")]           // Envoy's behaviour (istio/istio#26828), reproduced
    [InlineData("exact", "/login", "/auth/login", "/login?next=/", "/auth/login?next=/")] // exact: whole path, query kept
    [InlineData("regex", "/users/[0-9]+", "/u", "/users/42", "/u")]
    public async Task RewriteUri_SwapsTheMatchedPrefixOrWholePath_AndKeepsTheQuery(string kind, string match, string rewrite, string path, string expected)
    {
        await using var sidecar = await StartAsync($$"""
              - match:
                - uri: {{{kind}}: "{{match}}"}
                rewrite: {uri: "{{rewrite}}"}
                route:
                - destination: {host: svc, subset: v1}
              - route:
                - destination: {host: svc, subset: v2}
            """);

        var reply = await GetAsync(sidecar, path);

        Assert.Equal(expected, reply.Path);
        Assert.Equal(path, reply.UpstreamHeader("x-envoy-original-path"));
    }

    [Fact]
    public async Task RewriteUri_WithoutAUriMatch_TheMatchedPrefixIsSlash()
    {
        await using var sidecar = await StartAsync("""
              - rewrite: {uri: /v2}
                route:
                - destination: {host: svc, subset: v1}
            """);

        Assert.Equal("/v2foo", (await GetAsync(sidecar, "/foo")).Path);
    }

    [Fact]
    public async Task RewriteUri_NotAppliedWhenTheRuleDoesNotMatch()
    {
        await using var sidecar = await StartAsync("""
              - match: [{uri: {prefix: /api/}}]
                rewrite: {uri: /v2/}
                route:
                - destination: {host: svc, subset: v1}
              - route:
                - destination: {host: svc, subset: v2}
            """);

        var reply = await GetAsync(sidecar, "/other/x");

        Assert.Equal("/other/x", reply.Path);
        Assert.Null(reply.UpstreamHeader("x-envoy-original-path"));
    }

    [Fact]
    public async Task UriRegexRewrite_ReplacesWithGroups()
    {
        await using var sidecar = await StartAsync("""
              - match: [{uri: {prefix: /service/}}]
                rewrite:
                  uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "\\2/instance/\\1"}
                route:
                - destination: {host: svc, subset: v1}
            """);

        Assert.Equal("/api/v1/instance/orders?id=3", (await GetAsync(sidecar, "/service/orders/api/v1?id=3")).Path);
    }

    [Fact]
    public async Task RewriteAuthority_ChangesHostUpstream()
    {
        await using var sidecar = await StartAsync("""
              - rewrite: {authority: backend.internal}
                route:
                - destination: {host: svc, subset: v1}
            """);

        var reply = await GetAsync(sidecar, "/");

        Assert.Equal("backend.internal", reply.UpstreamHeader("host"));
    }

    [Theory]
    [InlineData("uri: /new", "http://svc:8080/new?a=1", 301)]
    [InlineData("authority: other.example.com", "http://other.example.com/old/x?a=1", 301)]
    [InlineData("{authority: other.example.com, port: 8443, scheme: https}", "https://other.example.com:8443/old/x?a=1", 301)]
    [InlineData("{scheme: https, authority: secure.example.com, port: 443}", "https://secure.example.com/old/x?a=1", 301)]
    [InlineData("{uri: \"/new?b=2\", redirectCode: 308}", "http://svc:8080/new?b=2", 308)]
    [InlineData("{uri: /moved, redirectCode: 302}", "http://svc:8080/moved?a=1", 302)]
    [InlineData("{authority: other, derivePort: FROM_REQUEST_PORT}", "http://other:8080/old/x?a=1", 301)]
    public async Task Redirect_AnswersLocallyWithLocation(string redirect, string location, int status)
    {
        var before = _upstreams["svc-v1"].Requests + _upstreams["svc-v2"].Requests;
        var redirectYaml = redirect.StartsWith('{') ? $"redirect: {redirect}" : $"redirect: {{{redirect}}}";
        await using var sidecar = await StartAsync($$$"""
              - match: [{uri: {prefix: /old}}]
                {{{redirectYaml}}}
              - route:
                - destination: {host: svc, subset: v1}
            """);

        var reply = await GetAsync(sidecar, "/old/x?a=1");

        Assert.Equal(status, (int)reply.Status);
        Assert.Equal(location, reply.Message.Headers.Location?.OriginalString);
        Assert.Equal(before, _upstreams["svc-v1"].Requests + _upstreams["svc-v2"].Requests);
        Assert.Equal("svc-v1", (await GetAsync(sidecar, "/other")).ServedBy); // the negative case: not redirected
    }

    [SkippableFact]
    public async Task IstioSample_RedirectWithSnakeCasePrefixRewrite()
    {
        var samples = RepoPaths.IstioSamples;
        Skip.If(samples is null, "../shared/istio-samples is not present");
        await using var sidecar = await TestSidecar.StartAsync([await File.ReadAllTextAsync(Path.Combine(samples!, "api-vs-redirect-prefix-rewrite.yaml"))], http2: OverHttp2);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "example.com", "/foo/bar?x=1");

        Assert.Equal(HttpStatusCode.MovedPermanently, reply.Status);
        Assert.Equal("http://foo.example.com/bar?x=1", reply.Message.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await sidecar.SendAsync(HttpMethod.Get, "example.com", "/other")).Status);
    }

    [Fact]
    public async Task DirectResponse_StringAndBytesBodies_WithRouteResponseHeaders()
    {
        await using var sidecar = await StartAsync("""
              - match: [{uri: {exact: /health}}]
                directResponse: {status: 200, body: {string: "ok from the sidecar"}}
                headers:
                  response:
                    set: {content-type: text/plain; charset=utf-8, x-direct: "yes"}
              - match: [{uri: {exact: /bytes}}]
                directResponse: {status: 503, body: {bytes: aGVsbG8=}}
              - match: [{uri: {exact: /empty}}]
                directResponse: {status: 204}
              - route:
                - destination: {host: svc, subset: v1}
            """);

        var health = await GetAsync(sidecar, "/health");
        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal("ok from the sidecar", health.Body);
        Assert.Equal("yes", health.Header("x-direct"));
        Assert.Equal("text/plain; charset=utf-8", health.Header("content-type"));
        Assert.Null(health.ServedBy);

        var bytes = await GetAsync(sidecar, "/bytes");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bytes.Status);
        Assert.Equal("hello", bytes.Body);

        Assert.Equal(HttpStatusCode.NoContent, (await GetAsync(sidecar, "/empty")).Status);
        Assert.Equal("svc-v1", (await GetAsync(sidecar, "/elsewhere")).ServedBy);
    }

    [Fact]
    public async Task RequestHeaders_SetAddRemove_RemoveAppliesBeforeAdd()
    {
        await using var sidecar = await StartAsync("""
              - headers:
                  request:
                    set: {x-set: new}
                    add: {x-added: one, x-removed: back}
                    remove: [x-removed, x-gone]
                route:
                - destination: {host: svc, subset: v1}
            """);

        var reply = await GetAsync(sidecar, "/", ("x-set", "old"), ("x-gone", "1"), ("x-removed", "original"), ("x-kept", "k"));

        Assert.Equal("new", reply.UpstreamHeader("x-set"));
        Assert.Equal("one", reply.UpstreamHeader("x-added"));
        Assert.Equal("back", reply.UpstreamHeader("x-removed")); // removed first, then added
        Assert.Null(reply.UpstreamHeader("x-gone"));
        Assert.Equal("k", reply.UpstreamHeader("x-kept"));
    }

    /// <summary>
    /// The same request again and again on one connection, each edited as if it were the first: the
    /// repeats arrive as the same bytes (over h2c the same field block) and are copied from the head
    /// the first ones parsed to (Http1HeadMemo, HeadBlockMemo), and so are the upstream's identical
    /// answers; an edit made in place — a rewritten path, added and removed fields, a request id, a
    /// response field — must never reach those kept heads.
    /// </summary>
    [Fact]
    public async Task RepeatedRequests_AreEachEditedAfresh()
    {
        await using var sidecar = await StartAsync("""
              - match:
                - uri: {prefix: "/api/"}
                headers:
                  request:
                    set: {x-set: new}
                    add: {x-added: one}
                    remove: [x-removed]
                  response:
                    add: {x-answer: one}
                    remove: [x-served-by]
                rewrite: {uri: "/v2/"}
                route:
                - destination: {host: svc, subset: v1}
              - route:
                - destination: {host: svc, subset: v2}
            """);

        var ids = new HashSet<string>();
        for (var i = 0; i < 6; i++)
        {
            var reply = await GetAsync(sidecar, "/api/users?x=1", ("x-set", "old"), ("x-removed", "r"), ("x-kept", "k"));
            Assert.Equal("/v2/users?x=1", reply.Path);
            Assert.Equal("new", reply.UpstreamHeader("x-set"));
            Assert.Equal("one", reply.UpstreamHeader("x-added"));
            Assert.Null(reply.UpstreamHeader("x-removed"));
            Assert.Equal("k", reply.UpstreamHeader("x-kept"));
            Assert.True(ids.Add(reply.UpstreamHeader("x-request-id")!), $"request {i} reused an id");
            Assert.Equal("one", reply.Header("x-answer"));
            Assert.Null(reply.ServedBy);
        }

        var other = await GetAsync(sidecar, "/other", ("x-removed", "r"));
        Assert.Equal("svc-v2", other.ServedBy);
        Assert.Null(other.Header("x-answer"));
        Assert.Equal("/other", other.Path);
        Assert.Equal("r", other.UpstreamHeader("x-removed"));
        Assert.Null(other.UpstreamHeader("x-added"));
    }

    [Fact]
    public async Task HeaderValues_ExpandEnvoysVariables()
    {
        await using var sidecar = await StartAsync("""
              - headers:
                  request:
                    set:
                      x-client: "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%"
                      x-proto: "%PROTOCOL%"
                      x-user-copy: "%REQ(x-user)%"
                      x-either: "%REQ(x-none?x-user):3%"
                      x-percent: "100%%"
                      x-absent: "%REQ(x-none)%"
                    remove: [x-user]
                  response:
                    set:
                      x-upstream: "%UPSTREAM_REMOTE_ADDRESS%"
                      x-started: "%START_TIME(%s)%"
                      x-served-copy: "%RESP(x-served-by)%"
                      x-peer: "%DOWNSTREAM_PEER_URI_SAN%"
                route:
                - destination: {host: svc, subset: v1}
            """);
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var reply = await GetAsync(sidecar, "/", ("x-user", "alice"));

        Assert.Equal("127.0.0.1", reply.UpstreamHeader("x-client"));
        Assert.Equal(OverHttp2 ? "HTTP/2" : "HTTP/1.1", reply.UpstreamHeader("x-proto"));
        Assert.Equal("alice", reply.UpstreamHeader("x-user-copy")); // read before the remove took x-user away
        Assert.Null(reply.UpstreamHeader("x-user"));
        Assert.Equal("ali", reply.UpstreamHeader("x-either"));
        Assert.Equal("100%", reply.UpstreamHeader("x-percent"));
        Assert.Null(reply.UpstreamHeader("x-absent")); // an empty value adds nothing, as in Envoy
        Assert.Equal($"127.0.0.1:{_upstreams.PortOf("svc-v1")}", reply.Header("x-upstream"));
        Assert.InRange(long.Parse(reply.Header("x-started")!, System.Globalization.CultureInfo.InvariantCulture), before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal("svc-v1", reply.Header("x-served-copy"));
        Assert.Null(reply.Header("x-peer")); // no TLS peer here: empty, so absent
    }

    [Fact]
    public async Task RequestHeaders_SetAuthority_IsAHostRewrite()
    {
        await using var sidecar = await StartAsync("""
              - headers:
                  request:
                    set: {":authority": rewritten.example}
                route:
                - destination: {host: svc, subset: v1}
            """);

        Assert.Equal("rewritten.example", (await GetAsync(sidecar, "/")).UpstreamHeader("host"));
    }

    [Fact]
    public async Task ResponseHeaders_SetAddRemove()
    {
        await using var sidecar = await StartAsync("""
              - headers:
                  response:
                    set: {x-set: new}
                    add: {x-added: one}
                    remove: [x-secret]
                route:
                - destination: {host: svc, subset: v1}
            """);

        var reply = await GetAsync(sidecar, "/", ("x-echo-set-x-secret", "s3cr3t"), ("x-echo-set-x-set", "old"), ("x-echo-set-x-other", "o"));

        Assert.Null(reply.Header("x-secret"));
        Assert.Equal("new", reply.Header("x-set"));
        Assert.Equal("one", reply.Header("x-added"));
        Assert.Equal("o", reply.Header("x-other"));
    }

    [Fact]
    public async Task SingleDestination_DestinationSetWinsOverRoute()
    {
        await using var sidecar = await StartAsync("""
              - headers:
                  request: {set: {x-who: route}}
                route:
                - destination: {host: svc, subset: v1}
                  headers:
                    request: {set: {x-who: destination}}
            """);

        Assert.Equal("destination", (await GetAsync(sidecar, "/")).UpstreamHeader("x-who"));
    }

    [Fact]
    public async Task WeightedDestinations_RouteSetWinsOverDestination()
    {
        await using var sidecar = await StartAsync("""
              - headers:
                  request: {set: {x-who: route}}
                route:
                - destination: {host: svc, subset: v1}
                  weight: 50
                  headers:
                    request: {set: {x-who: destination}}
                - destination: {host: svc, subset: v2}
                  weight: 50
            """);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("route", (await GetAsync(sidecar, "/")).UpstreamHeader("x-who"));
        }
    }

    [SkippableFact]
    public async Task IstioSample_HeadersAndWeights_RequestHeaderEverywhere_ResponseHeaderRemovedOnlyForV1()
    {
        var samples = RepoPaths.IstioSamples;
        Skip.If(samples is null, "../shared/istio-samples is not present");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("reviews.prod.svc.cluster.local", 9080, (_upstreams.PortOf("svc-v1"), "v1"), (_upstreams.PortOf("svc-v2"), "v2")),
            MeshYaml.Subsets("reviews.prod.svc.cluster.local", "v1", "v2"),
            await File.ReadAllTextAsync(Path.Combine(samples!, "api-vs-headers-and-weights.yaml")),
        ], http2: OverHttp2);

        var seen = new HashSet<string>();
        for (var i = 0; i < 60; i++)
        {
            var reply = await sidecar.SendAsync(HttpMethod.Get, "reviews.prod.svc.cluster.local:9080", "/", ("x-echo-set-foo", "bar"));
            Assert.Equal("true", reply.UpstreamHeader("test"));
            Assert.Equal(reply.ServedBy == "svc-v1" ? null : "bar", reply.Header("foo"));
            seen.Add(reply.ServedBy!);
        }

        Assert.Equal(2, seen.Count);
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class RouteActionTestsOverH2c : RouteActionTests
{
    protected override bool OverHttp2 => true;
}
