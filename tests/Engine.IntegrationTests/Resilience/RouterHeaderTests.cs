using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Engine.IntegrationTests.Infrastructure;
using Engine.Proxy;

namespace Engine.IntegrationTests.Resilience;

/// <summary>
/// The request headers Envoy's router takes instructions from (x-envoy-upstream-rq-timeout-ms,
/// x-envoy-upstream-rq-per-try-timeout-ms, x-envoy-max-retries, x-envoy-retry-on,
/// x-envoy-retry-grpc-on, x-envoy-retriable-status-codes, grpc-timeout), honoured and consumed,
/// and x-envoy-expected-rq-timeout-ms told to the upstream.
/// </summary>
public class RouterHeaderTests
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    /// <summary>An upstream that records each request head and answers after a delay with one response.</summary>
    private sealed class RecordingUpstream : IAsyncDisposable
    {
        private readonly ScriptedUpstream _upstream;

        public RecordingUpstream(string response, int delayMs = 0)
            => _upstream = new ScriptedUpstream(async x =>
            {
                Heads.Enqueue(x.Head);
                if (delayMs > 0)
                {
                    await Task.Delay(delayMs);
                }

                await x.SendAsync(response);
            });

        public ConcurrentQueue<string> Heads { get; } = new();

        public string[] Attempts => Heads.Select(h => ScriptedHeaders.Get(h, "x-envoy-attempt-count") ?? "?").ToArray();

        public string? Header(string name) => ScriptedHeaders.Get(Heads.Last(), name);

        public int Port => _upstream.Port;

        public ValueTask DisposeAsync() => _upstream.DisposeAsync();
    }

    private Task<TestSidecar> StartAsync(int port, string routeExtras = "") => TestSidecar.StartAsync(
    [
        MeshYaml.Service("svc", 8080, (port, "v1")),
        $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc}
        spec:
          hosts: [svc]
          http:
          - route:
            - destination: {host: svc}
        {{routeExtras}}
        """,
    ], http2: OverHttp2);

    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    [Fact]
    public async Task UpstreamRqTimeoutMs_Answers504UT_LongBeforeTheRouteTimeout()
    {
        await using var upstream = new RecordingUpstream(Ok, delayMs: 5000);
        await using var sidecar = await StartAsync(upstream.Port, "    timeout: 10s");
        var clock = Stopwatch.StartNew();

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/t", ("x-envoy-upstream-rq-timeout-ms", "300"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, reply.Status);
        Assert.Equal("upstream request timeout", reply.Body);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"answered after {clock.Elapsed}: the header's 300 ms did not apply");
        Assert.Contains("UT", (await sidecar.Telemetry.SingleAsync("/t")).FlagCodes, StringComparison.Ordinal);
        Assert.Equal("300", upstream.Header("x-envoy-expected-rq-timeout-ms"));
        Assert.Null(upstream.Header("x-envoy-upstream-rq-timeout-ms")); // consumed, as Envoy does
    }

    [Fact]
    public async Task UpstreamRqTimeoutMs_Zero_TurnsTheRouteTimeoutOff()
    {
        await using var upstream = new RecordingUpstream(Ok, delayMs: 600);
        await using var sidecar = await StartAsync(upstream.Port, "    timeout: 0.2s");

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/", ("x-envoy-upstream-rq-timeout-ms", "0"));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Null(upstream.Header("x-envoy-expected-rq-timeout-ms")); // no timeout to tell
    }

    [Fact]
    public async Task RouteTimeout_IsToldToTheUpstream_AsExpectedRqTimeoutMs()
    {
        await using var upstream = new RecordingUpstream(Ok);
        await using var sidecar = await StartAsync(upstream.Port, "    timeout: 2.5s");

        var withTimeout = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/", ("x-envoy-expected-rq-timeout-ms", "7"));

        Assert.Equal(HttpStatusCode.OK, withTimeout.Status);
        Assert.Equal("2500", upstream.Header("x-envoy-expected-rq-timeout-ms")); // the client's value replaced
    }

    [Fact]
    public async Task NoTimeout_NoExpectedRqTimeoutMs()
    {
        await using var upstream = new RecordingUpstream(Ok);
        await using var sidecar = await StartAsync(upstream.Port);

        await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/");

        Assert.Null(upstream.Header("x-envoy-expected-rq-timeout-ms"));
    }

    [Fact]
    public async Task MaxRetriesAndRetryOn_RetryA500_TheRouteDoesNotRetry_AndAreConsumed()
    {
        await using var upstream = new RecordingUpstream("HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n");
        await using var sidecar = await StartAsync(upstream.Port); // Istio's default policy: 5xx is not a condition

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/r", ("x-envoy-retry-on", "5xx"), ("x-envoy-max-retries", "3"));

        Assert.Equal(500, (int)reply.Status);
        Assert.Equal(["1", "2", "3", "4"], upstream.Attempts);
        Assert.True(((await sidecar.Telemetry.SingleAsync("/r")).Flags & ResponseFlags.UpstreamRetryLimitExceeded) != 0);
        foreach (var head in upstream.Heads)
        {
            Assert.Null(ScriptedHeaders.Get(head, "x-envoy-retry-on"));
            Assert.Null(ScriptedHeaders.Get(head, "x-envoy-max-retries"));
        }
    }

    [Fact]
    public async Task WithoutTheHeaders_TheSame500IsNotRetried()
    {
        await using var upstream = new RecordingUpstream("HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n");
        await using var sidecar = await StartAsync(upstream.Port);

        await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/r");

        Assert.Equal(["1"], upstream.Attempts);
    }

    /// <summary><c>attempts: 0</c> leaves Envoy without a retry policy, whose default count is one retry.</summary>
    [Fact]
    public async Task RetryOn_OnARouteWithoutRetries_RetriesOnce()
    {
        await using var upstream = new RecordingUpstream("HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n");
        await using var sidecar = await StartAsync(upstream.Port, "    retries: {attempts: 0}");

        await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/", ("x-envoy-retry-on", "gateway-error"));

        Assert.Equal(["1", "2"], upstream.Attempts);
    }

    [Fact]
    public async Task MaxRetriesZero_TurnsTheRoutesRetriesOff()
    {
        await using var upstream = new RecordingUpstream("HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n");
        await using var sidecar = await StartAsync(upstream.Port, "    retries: {attempts: 3, retryOn: 5xx}");

        await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/", ("x-envoy-max-retries", "0"));

        Assert.Equal(["1"], upstream.Attempts);
    }

    /// <summary>Istio's default policy has retriable-status-codes with no codes: the header supplies them (istio-semantics.md §3.10).</summary>
    [Fact]
    public async Task RetriableStatusCodes_WithTheDefaultPolicy_RetriesThatCodeTwice()
    {
        await using var upstream = new RecordingUpstream("HTTP/1.1 418 X\r\nContent-Length: 0\r\n\r\n");
        await using var sidecar = await StartAsync(upstream.Port);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/", ("x-envoy-retriable-status-codes", "503,418"));

        Assert.Equal(418, (int)reply.Status);
        Assert.Equal(["1", "2", "3"], upstream.Attempts);
        Assert.Null(upstream.Header("x-envoy-retriable-status-codes"));
    }

    [Fact]
    public async Task RetryGrpcOn_RetriesAGrpcStatusTheRouteDoesNot()
    {
        await using var upstream = new RecordingUpstream("HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ngrpc-status: 8\r\nContent-Length: 0\r\n\r\n");
        await using var sidecar = await StartAsync(upstream.Port);

        await sidecar.SendAsync(HttpMethod.Post, "svc:8080", "/", ("x-envoy-retry-grpc-on", "resource-exhausted"), ("x-envoy-max-retries", "1"));

        Assert.Equal(["1", "2"], upstream.Attempts);
        Assert.Null(upstream.Header("x-envoy-retry-grpc-on"));
    }

    [Fact]
    public async Task PerTryTimeoutMs_EachSlowTryTimesOut_AndIsRetried()
    {
        await using var upstream = new RecordingUpstream(Ok, delayMs: 3000);
        await using var sidecar = await StartAsync(upstream.Port);
        var clock = Stopwatch.StartNew();

        var reply = await sidecar.SendAsync(
            HttpMethod.Get,
            "svc:8080",
            "/p",
            ("x-envoy-upstream-rq-per-try-timeout-ms", "200"),
            ("x-envoy-retry-on", "5xx"),
            ("x-envoy-max-retries", "2"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, reply.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2.5), $"answered after {clock.Elapsed}: the per-try timeout did not apply");
        await WaitFor.ConditionAsync(() => upstream.Heads.Count == 3, 5_000, because: "three tries of 200 ms each");
        Assert.Equal(["1", "2", "3"], upstream.Attempts);
        foreach (var head in upstream.Heads)
        {
            Assert.Equal("200", ScriptedHeaders.Get(head, "x-envoy-expected-rq-timeout-ms"));
            Assert.Null(ScriptedHeaders.Get(head, "x-envoy-upstream-rq-per-try-timeout-ms"));
        }
    }

    private async Task<HttpResponseMessage> GrpcPostAsync(TestSidecar sidecar, string path, string contentType, params (string Name, string Value)[] headers)
    {
        using var request = sidecar.NewRequest(HttpMethod.Post, path);
        request.Headers.Host = "svc:8080";
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Content = new ByteArrayContent([0, 0, 0, 0, 0]);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var response = await sidecar.Client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        return response;
    }

    private static string? HeaderOf(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) || response.TrailingHeaders.TryGetValues(name, out values) ? string.Join(", ", values) : null;

    /// <summary>
    /// A gRPC caller's deadline is the request's timeout (Istio's max_grpc_timeout, 0 = uncapped),
    /// and its expiry is Envoy's 504 local reply as a gRPC caller sees it: HTTP 200, grpc-status 14.
    /// </summary>
    [Fact]
    public async Task GrpcTimeout_IsAGrpcRequestsTimeout_EvenWithoutARouteTimeout()
    {
        await using var upstream = new RecordingUpstream(Ok, delayMs: 5000);
        await using var sidecar = await StartAsync(upstream.Port);
        var clock = Stopwatch.StartNew();

        using var response = await GrpcPostAsync(sidecar, "/pkg.Svc/Slow", "application/grpc", ("grpc-timeout", "300m"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"answered after {clock.Elapsed}: grpc-timeout did not apply");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("14", HeaderOf(response, "grpc-status"));
        Assert.Equal("upstream request timeout", HeaderOf(response, "grpc-message"));
        Assert.Contains("UT", (await sidecar.Telemetry.SingleAsync("/pkg.Svc/Slow")).FlagCodes, StringComparison.Ordinal);
        Assert.Equal("300m", upstream.Header("grpc-timeout"));
        Assert.Equal("300", upstream.Header("x-envoy-expected-rq-timeout-ms"));
    }

    [Fact]
    public async Task GrpcTimeout_IsCappedByTheRouteTimeout_AndTheUpstreamGetsTheCap()
    {
        await using var upstream = new RecordingUpstream(Ok, delayMs: 5000);
        await using var sidecar = await StartAsync(upstream.Port, "    timeout: 0.3s");
        var clock = Stopwatch.StartNew();

        using var response = await GrpcPostAsync(sidecar, "/pkg.Svc/Slow", "application/grpc+proto", ("grpc-timeout", "1M"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"answered after {clock.Elapsed}");
        Assert.Equal("14", HeaderOf(response, "grpc-status"));
        Assert.Equal("300m", upstream.Header("grpc-timeout"));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/grpc-web")] // gRPC-Web is not gRPC to Envoy's router
    public async Task GrpcTimeout_OnARequestThatIsNotGrpc_IsIgnored_AndForwarded(string contentType)
    {
        await using var upstream = new RecordingUpstream(Ok, delayMs: 600);
        await using var sidecar = await StartAsync(upstream.Port);

        using var response = await GrpcPostAsync(sidecar, "/", contentType, ("grpc-timeout", "100m"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("100m", upstream.Header("grpc-timeout"));
        Assert.Null(upstream.Header("x-envoy-expected-rq-timeout-ms"));
    }

    [Fact]
    public async Task GrpcTimeout_Malformed_IsIgnored()
    {
        await using var upstream = new RecordingUpstream(Ok, delayMs: 600);
        await using var sidecar = await StartAsync(upstream.Port);

        using var response = await GrpcPostAsync(sidecar, "/pkg.Svc/M", "application/grpc", ("grpc-timeout", "100ms"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(HeaderOf(response, "grpc-status"));
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class RouterHeaderTestsOverH2c : RouterHeaderTests
{
    protected override bool OverHttp2 => true;
}
