using System.Net;
using System.Net.Sockets;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Balancing;

/// <summary>
/// DestinationRule loadBalancer.consistentHash through the real proxy: each hash key keeps a
/// client on one endpoint, different keys spread over all of them, and a request without a key is
/// balanced at random (istio-semantics.md §4.3).
/// </summary>
public sealed class ConsistentHashTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("a", "b", "c");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    private string[] Mesh(string consistentHash, string? retries = null) =>
    [
        MeshYaml.Service("svc", 8080, (_upstreams.PortOf("a"), "v1"), (_upstreams.PortOf("b"), "v1"), (_upstreams.PortOf("c"), "v1")),
        $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: svc}
        spec:
          host: svc
          trafficPolicy:
            loadBalancer:
              consistentHash: {{consistentHash}}
        """,
        $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc}
        spec:
          hosts: [svc]
          http:
          - route:
            - destination: {host: svc}
            {{retries ?? string.Empty}}
        """,
    ];

    [Theory]
    [InlineData(false, "{httpHeaderName: x-user}")]
    [InlineData(true, "{httpHeaderName: X-User}")] // the header name is case-insensitive
    [InlineData(false, "{httpHeaderName: x-user, maglev: {tableSize: 65537}}")]
    [InlineData(true, "{httpHeaderName: x-user, ringHash: {minimumRingSize: 64}}")]
    public async Task Header_KeepsEachUserOnOneEndpoint_AndSpreadsUsers(bool http2, string consistentHash)
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh(consistentHash), http2: http2);

        var endpointOf = new Dictionary<string, string>();
        for (var user = 0; user < 24; user++)
        {
            var served = new HashSet<string>();
            for (var i = 0; i < 4; i++)
            {
                served.Add(await sidecar.ServedByAsync("svc:8080", "/", ("x-user", $"user-{user}")));
            }

            endpointOf[$"user-{user}"] = Assert.Single(served);
        }

        // 24 keys on three endpoints: all on one would be a broken hash ((1/3)^23).
        Assert.True(endpointOf.Values.Distinct().Count() >= 2, string.Join(",", endpointOf.Values));

        // Stable across the connection's life and a second client (a second connection).
        using var other = NewClient(sidecar, http2);
        foreach (var (user, endpoint) in endpointOf.Take(6))
        {
            Assert.Equal(endpoint, await ServedByAsync(other, user: user));
        }
    }

    [Fact]
    public async Task Header_Absent_IsBalancedAtRandom()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh("{httpHeaderName: x-user}"));

        var counts = await sidecar.DistributionAsync("svc:8080", 300);

        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 50, 160)); // expected 100 each
    }

    [Fact]
    public async Task QueryParameter_KeepsEachValueOnOneEndpoint()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh("{httpQueryParameterName: session}"));

        var endpoints = new HashSet<string>();
        for (var session = 0; session < 24; session++)
        {
            var served = new HashSet<string>();
            for (var i = 0; i < 3; i++)
            {
                // Other parameters around it do not change the key.
                served.Add(await sidecar.ServedByAsync("svc:8080", $"/page?x={i}&session=s{session}&session=other{i}"));
            }

            endpoints.Add(Assert.Single(served));
        }

        Assert.True(endpoints.Count >= 2);
    }

    [Fact]
    public async Task Cookie_FromTheClient_KeepsItOnOneEndpoint_QuotedOrNot()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh("{httpCookie: {name: user}}"));

        var endpoints = new HashSet<string>();
        for (var user = 0; user < 24; user++)
        {
            var served = new HashSet<string>
            {
                await sidecar.ServedByAsync("svc:8080", "/", ("cookie", $"user=u{user}")),
                await sidecar.ServedByAsync("svc:8080", "/", ("cookie", $"theme=dark; user=\"u{user}\"; user2=x")),
                await sidecar.ServedByAsync("svc:8080", "/", ("cookie", "a=b"), ("cookie", $"user=u{user}")),
            };
            endpoints.Add(Assert.Single(served));
        }

        Assert.True(endpoints.Count >= 2);

        // No cookie and no ttl: nothing is generated.
        using var response = await sidecar.GetAsync("svc:8080");
        Assert.False(response.Headers.Contains("set-cookie"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Cookie_WithTtl_IsGeneratedWhenAbsent_AndTheClientThenStays(bool http2)
    {
        await using var sidecar = await TestSidecar.StartAsync(
            Mesh("{httpCookie: {name: sticky, path: /app, ttl: 3600s, attributes: [{name: SameSite, value: Strict}]}}"), http2: http2);

        // A client that keeps cookies, as a browser does, on its own connections. (No Secure
        // attribute here: the client would then not send the cookie back over plain HTTP.)
        var endpoints = new HashSet<string>();
        for (var client = 0; client < 12; client++)
        {
            var jar = new CookieContainer();
            using var http = NewClient(sidecar, http2, jar);
            using var first = await http.SendAsync(Request(http, "/app/start"));
            var setCookie = Assert.Single(first.Headers.GetValues("set-cookie"));
            Assert.Matches("^sticky=\"[0-9a-f]{16}\"; Max-Age=3600; Path=/app; SameSite=Strict; HttpOnly$", setCookie);
            var firstEndpoint = first.Headers.GetValues("x-served-by").Single();

            for (var i = 0; i < 4; i++)
            {
                using var next = await http.SendAsync(Request(http, "/app/more"));
                Assert.Equal(firstEndpoint, next.Headers.GetValues("x-served-by").Single());
                Assert.False(next.Headers.Contains("set-cookie")); // it has one now
            }

            endpoints.Add(firstEndpoint);
        }

        // The generated values differ per connection, so clients spread.
        Assert.True(endpoints.Count >= 2);
    }

    [Fact]
    public async Task Cookie_WithZeroTtl_IsASessionCookie()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh("{httpCookie: {name: sticky, ttl: 0s}}"));

        using var response = await sidecar.GetAsync("svc:8080");

        Assert.Matches("^sticky=\"[0-9a-f]{16}\"; HttpOnly$", Assert.Single(response.Headers.GetValues("set-cookie")));
    }

    [Fact]
    public async Task SourceIp_KeepsEachClientAddressOnOneEndpoint()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh("{useSourceIp: true}"));

        var endpoints = new HashSet<string>();
        for (var host = 2; host < 20; host++)
        {
            var served = new HashSet<string>();
            for (var connection = 0; connection < 2; connection++)
            {
                // A new connection (a new source port) from the same address: the same endpoint.
                using var http = NewClient(sidecar, http2: false, source: IPAddress.Parse($"127.0.0.{host}"));
                for (var i = 0; i < 2; i++)
                {
                    served.Add(await ServedByAsync(http));
                }
            }

            endpoints.Add(Assert.Single(served));
        }

        Assert.True(endpoints.Count >= 2);
    }

    [Fact]
    public async Task Retries_StayOnTheKeysEndpoint_ByDefault()
    {
        await using var sidecar = await TestSidecar.StartAsync(Mesh("{httpHeaderName: x-user}", "retries: {attempts: 2, retryOn: 5xx}"));

        using var response = await sidecar.GetAsync("svc:8080", "/", ("x-user", "alice"), ("x-echo-status", "503"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var counts = new[] { "a", "b", "c" }.Select(n => _upstreams[n].Requests).OrderDescending().ToArray();
        Assert.Equal([3L, 0L, 0L], counts); // the first try and both retries on alice's endpoint
    }

    [Fact]
    public async Task Retries_GoElsewhere_WhenRetryIgnorePreviousHostsIsSet()
    {
        await using var sidecar = await TestSidecar.StartAsync(
            Mesh("{httpHeaderName: x-user}", "retries: {attempts: 2, retryOn: 5xx, retryIgnorePreviousHosts: true}"));

        using var response = await sidecar.GetAsync("svc:8080", "/", ("x-user", "alice"), ("x-echo-status", "503"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.All(new[] { "a", "b", "c" }, n => Assert.Equal(1L, _upstreams[n].Requests)); // three tries, three endpoints
    }

    private static HttpClient NewClient(TestSidecar sidecar, bool http2, CookieContainer? cookies = null, IPAddress? source = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = cookies is not null };
        if (cookies is not null)
        {
            handler.CookieContainer = cookies;
        }

        if (source is not null)
        {
            handler.ConnectCallback = async (context, cancellation) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellation);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        var client = new HttpClient(handler) { BaseAddress = new Uri($"http://{sidecar.Endpoint}"), Timeout = TimeSpan.FromSeconds(30) };
        if (http2)
        {
            client.DefaultRequestVersion = HttpVersion.Version20;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return client;
    }

    private static HttpRequestMessage Request(HttpClient client, string path, string? user = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path) { Version = client.DefaultRequestVersion, VersionPolicy = client.DefaultVersionPolicy };
        request.Headers.Host = "svc:8080";
        if (user is not null)
        {
            request.Headers.Add("x-user", user);
        }

        return request;
    }

    private static async Task<string> ServedByAsync(HttpClient client, string? user = null)
    {
        using var response = await client.SendAsync(Request(client, "/", user));
        await response.Content.ReadAsByteArrayAsync();
        return response.Headers.GetValues("x-served-by").Single();
    }
}
