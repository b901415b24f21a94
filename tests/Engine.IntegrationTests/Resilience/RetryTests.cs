using System.Collections.Concurrent;
using System.Net;
using Engine.IntegrationTests.Infrastructure;
using Engine.Proxy;

namespace Engine.IntegrationTests.Resilience;

/// <summary>Each retryOn condition retried and not retried, against upstreams that fail on cue.</summary>
public class RetryTests
{
    /// <summary>The client speaks h2c to the proxy (the subclass at the end of the file).</summary>
    protected virtual bool OverHttp2 => false;

    /// <summary>An upstream answering every request with one status (and optional headers), counting attempts.</summary>
    private sealed class StatusUpstream : IAsyncDisposable
    {
        private readonly ScriptedUpstream _upstream;

        public StatusUpstream(int status, string extraHeaders = "")
            => _upstream = new ScriptedUpstream(async x =>
            {
                Attempts.Enqueue(ScriptedHeaders.Get(x.Head, "x-envoy-attempt-count") ?? "?");
                await x.SendAsync($"HTTP/1.1 {status} X\r\nContent-Length: 2\r\n{extraHeaders}\r\nhi");
            });

        public ConcurrentQueue<string> Attempts { get; } = new();

        public int Port => _upstream.Port;

        public ValueTask DisposeAsync() => _upstream.DisposeAsync();
    }

    private Task<TestSidecar> StartAsync(int port, string retries) => TestSidecar.StartAsync(
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
            {{retries}}
        """,
    ], http2: OverHttp2);

    [Theory]
    [InlineData("5xx", 500, true)]
    [InlineData("5xx", 503, true)]
    [InlineData("5xx", 404, false)]
    [InlineData("gateway-error", 502, true)]
    [InlineData("gateway-error", 504, true)]
    [InlineData("gateway-error", 500, false)]
    [InlineData("retriable-4xx", 409, true)]
    [InlineData("retriable-4xx", 404, false)]
    [InlineData("retriable-status-codes,429", 429, true)]
    [InlineData("429", 429, true)]
    [InlineData("503,reset", 503, true)]
    [InlineData("503,reset", 500, false)]
    [InlineData("connect-failure", 503, false)]
    [InlineData("reset", 503, false)]
    public async Task RetryOn_StatusConditions(string retryOn, int status, bool retried)
    {
        await using var upstream = new StatusUpstream(status);
        await using var sidecar = await StartAsync(upstream.Port, $"retries: {{attempts: 2, retryOn: \"{retryOn}\"}}");

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/r");

        Assert.Equal(status, (int)reply.Status);
        Assert.Equal(retried ? ["1", "2", "3"] : ["1"], upstream.Attempts.ToArray());
        var flags = (await sidecar.Telemetry.SingleAsync("/r")).Flags;
        Assert.Equal(retried, (flags & ResponseFlags.UpstreamRetryLimitExceeded) != 0);
    }

    /// <summary>Envoy never retries an answer that carries x-envoy-overloaded (another proxy's circuit breaker).</summary>
    [Theory]
    [InlineData("5xx")]
    [InlineData("retriable-status-codes,503")]
    public async Task RetryOn_AnOverloadedUpstreamIsNotRetried(string retryOn)
    {
        await using var upstream = new StatusUpstream(503, "x-envoy-overloaded: true\r\n");
        await using var sidecar = await StartAsync(upstream.Port, $"retries: {{attempts: 2, retryOn: \"{retryOn}\"}}");

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/o");

        Assert.Equal(503, (int)reply.Status);
        Assert.Equal(["1"], upstream.Attempts.ToArray());
    }

    [Theory]
    [InlineData("cancelled", 1, true)]
    [InlineData("deadline-exceeded", 4, true)]
    [InlineData("internal", 13, true)]
    [InlineData("resource-exhausted", 8, true)]
    [InlineData("unavailable", 14, true)]
    [InlineData("unavailable", 13, false)]
    public async Task RetryOn_GrpcConditions_LookAtGrpcStatusInTheHeaders(string retryOn, int grpcStatus, bool retried)
    {
        await using var upstream = new StatusUpstream(200, $"content-type: application/grpc\r\ngrpc-status: {grpcStatus}\r\n");
        await using var sidecar = await StartAsync(upstream.Port, $"retries: {{attempts: 2, retryOn: {retryOn}}}");

        await sidecar.SendAsync(HttpMethod.Post, "svc:8080", "/g");

        Assert.Equal(retried ? 3 : 1, upstream.Attempts.Count);
    }

    [Fact]
    public async Task DefaultPolicy_DoesNotRetryA503_EvenForAPost()
    {
        await using var upstream = new StatusUpstream(503);
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (upstream.Port, "v1"))], http2: OverHttp2);

        using var request = sidecar.NewRequest(HttpMethod.Post, "/");
        request.Content = new StringContent("pay once");
        request.Headers.Host = "svc:8080";
        using var response = await sidecar.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Single(upstream.Attempts);
    }

    [Fact]
    public async Task DefaultPolicy_RetriesUnavailableGrpcStatus()
    {
        await using var upstream = new StatusUpstream(200, "content-type: application/grpc\r\ngrpc-status: 14\r\n");
        await using var sidecar = await TestSidecar.StartAsync([MeshYaml.Service("svc", 8080, (upstream.Port, "v1"))], http2: OverHttp2);

        await sidecar.SendAsync(HttpMethod.Post, "svc:8080", "/");

        Assert.Equal(3, upstream.Attempts.Count);
    }

    [Fact]
    public async Task AttemptsZero_DisablesEvenConnectFailureRetries()
    {
        await using var good = await Upstreams.StartAsync("good");
        using var refusing = new RefusingPort();
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8080, (refusing.Port, "v1"), (good.PortOf("good"), "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc}
                retries: {attempts: 0}
            """,
        ], http2: OverHttp2);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            statuses.Add((await sidecar.SendAsync(HttpMethod.Get, "svc:8080")).Status);
        }

        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
    }

    [Fact]
    public async Task Reset_RetriesAnUpstreamThatResetsBeforeAnswering()
    {
        var attempts = 0;
        await using var upstream = new ScriptedUpstream(async x =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                x.Reset();
                return;
            }

            await x.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var sidecar = await StartAsync(upstream.Port, "retries: {attempts: 2, retryOn: reset}");

        var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080", "/");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(2, Volatile.Read(ref attempts));
    }

    [Fact]
    public async Task Retry_GoesToAnotherEndpoint_WhenOneExists()
    {
        await using var bad = new StatusUpstream(503);
        await using var good = await Upstreams.StartAsync("good");
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("svc", 8080, (bad.Port, "v1"), (good.PortOf("good"), "v1")),
            """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: svc}
            spec:
              hosts: [svc]
              http:
              - route:
                - destination: {host: svc}
                retries: {attempts: 1, retryOn: 5xx}
            """,
        ], http2: OverHttp2);

        for (var i = 0; i < 30; i++)
        {
            Assert.Equal("good", (await sidecar.SendAsync(HttpMethod.Get, "svc:8080")).ServedBy);
        }

        Assert.True(bad.Attempts.Count > 0, "the bad endpoint was tried first at least once");
    }

    [Fact]
    public async Task Retry_ReplaysABufferedRequestBody()
    {
        var bodies = new ConcurrentQueue<string>();
        await using var upstream = new ScriptedUpstream(async x =>
        {
            // Read the 11-byte body after the head, then fail the first time.
            var body = await x.ReadBodyAsync(11);
            bodies.Enqueue(body);
            await x.SendAsync(bodies.Count == 1 ? "HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        await using var sidecar = await StartAsync(upstream.Port, "retries: {attempts: 2, retryOn: 5xx}");

        using var request = sidecar.NewRequest(HttpMethod.Post, "/");
        request.Content = new StringContent("hello world");
        request.Headers.Host = "svc:8080";
        using var response = await sidecar.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["hello world", "hello world"], bodies.ToArray());
    }

    [Fact]
    public async Task Retry_NotForABodyTooLargeToReplay()
    {
        var attempts = 0;
        await using var upstream = new ScriptedUpstream(async x =>
        {
            Interlocked.Increment(ref attempts);
            await x.ReadBodyAsync(2 * 1024 * 1024);
            await x.SendAsync("HTTP/1.1 503 X\r\nContent-Length: 0\r\n\r\n");
        });
        await using var sidecar = await StartAsync(upstream.Port, "retries: {attempts: 2, retryOn: 5xx}");

        using var request = sidecar.NewRequest(HttpMethod.Post, "/");
        request.Content = new ByteArrayContent(new byte[2 * 1024 * 1024]);
        request.Headers.Host = "svc:8080";
        using var response = await sidecar.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, Volatile.Read(ref attempts));
    }

    [SkippableFact]
    public async Task IstioSample_Retries_502RetriedThreeTimes_500Not()
    {
        var samples = RepoPaths.IstioSamples;
        Skip.If(samples is null, "../shared/istio-samples is not present");
        var yaml = await File.ReadAllTextAsync(Path.Combine(samples!, "api-vs-retries.yaml"));
        await using var gateway = new StatusUpstream(502);
        await using var sidecar = await TestSidecar.StartAsync(
        [
            MeshYaml.Service("ratings.prod.svc.cluster.local", 9080, (gateway.Port, "v1")),
            MeshYaml.Subsets("ratings.prod.svc.cluster.local", "v1"),
            yaml,
        ], http2: OverHttp2);

        var reply = await sidecar.SendAsync(HttpMethod.Get, "ratings.prod.svc.cluster.local:9080");

        Assert.Equal(HttpStatusCode.BadGateway, reply.Status);
        Assert.Equal(["1", "2", "3", "4"], gateway.Attempts.ToArray());
    }
}

/// <summary>The same cases, the client speaking HTTP/2 (h2c prior knowledge) to the proxy.</summary>
public sealed class RetryTestsOverH2c : RetryTests
{
    protected override bool OverHttp2 => true;
}
