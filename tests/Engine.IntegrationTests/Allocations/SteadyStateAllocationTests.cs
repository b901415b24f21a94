using System.Globalization;
using System.Net;
using Engine.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Engine.IntegrationTests.Allocations;

/// <summary>
/// The shipped binary allocates (almost) nothing per proxied request once warm, for every pairing
/// of client and upstream protocol: what the GC reports allocated (engine_gc_allocated_bytes on
/// the admin port) across thousands of requests, 16 in flight at once. A count, not a timing: the
/// machine's speed does not matter. Before the pooled async builder, an HTTP/2 exchange allocated
/// 0.9–1.5 KB per request (one state-machine box per suspended method per stream).
/// </summary>
public sealed class SteadyStateAllocationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Concurrency = 16;
    private const int WarmUp = 2_000;
    private const int Measured = 6_000;

    /// <summary>Per request, averaged; what is left is the admin scrape itself and per-connection setup.</summary>
    private const int BudgetBytesPerRequest = 100;

    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("plain", "multiplexed");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    public static TheoryData<bool, bool> Pairings => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Pairings))]
    public Task ProxiedRequests_AllocateNothing_OnceWarm(bool clientHttp2, bool upstreamHttp2)
        => MeasureAsync(clientHttp2, upstreamHttp2, []);

    /// <summary>
    /// Requests carrying Envoy's router headers: each one is read, consumed, sets a timeout (the
    /// session's timer re-armed) and x-envoy-expected-rq-timeout-ms goes upstream, still without garbage.
    /// </summary>
    [Theory]
    [MemberData(nameof(Pairings))]
    public Task ProxiedRequestsWithRouterHeaders_AllocateNothing_OnceWarm(bool clientHttp2, bool upstreamHttp2)
        => MeasureAsync(clientHttp2, upstreamHttp2, [("x-envoy-upstream-rq-timeout-ms", "5000"), ("x-envoy-retry-on", "5xx,reset"), ("x-envoy-max-retries", "1")]);

    private async Task MeasureAsync(bool clientHttp2, bool upstreamHttp2, (string Name, string Value)[] headers)
    {
        var config = Directory.CreateTempSubdirectory("engine-alloc-").FullName;
        await File.WriteAllTextAsync(Path.Combine(config, "plain.yaml"), MeshYaml.Service("plain", 8080, "http", [(_upstreams.PortOf("plain"), new Dictionary<string, string>())], "HTTP"));
        await File.WriteAllTextAsync(Path.Combine(config, "multiplexed.yaml"), MeshYaml.Service("multiplexed", 8080, "http2", [(_upstreams.PortOf("multiplexed"), new Dictionary<string, string>())], "HTTP2"));
        var port = FreePort.Next();
        var admin = FreePort.Next();
        await using var engine = EngineProcess.Start($"run --config {config} --listen 127.0.0.1:{port} --admin 127.0.0.1:{admin} --access-log off");
        await engine.WaitForOutputAsync("ready on");

        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
            DefaultRequestVersion = clientHttp2 ? HttpVersion.Version20 : HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var host = upstreamHttp2 ? "multiplexed:8080" : "plain:8080";

        await SendAsync(client, host, WarmUp, headers);
        var before = await AllocatedBytesAsync(scraper, admin);
        await SendAsync(client, host, Measured, headers);
        var after = await AllocatedBytesAsync(scraper, admin);

        var perRequest = (after - before) / (double)Measured;
        output.WriteLine($"{(clientHttp2 ? "h2" : "h1")}→{(upstreamHttp2 ? "h2" : "h1")}: {after - before} bytes over {Measured} requests = {perRequest:F1} B/request");
        Assert.True(perRequest < BudgetBytesPerRequest, $"{perRequest:F1} bytes allocated per request (budget {BudgetBytesPerRequest})");
    }

    /// <summary>
    /// A client that opens a new h2c connection for every ten requests (sent together): routing's
    /// scratch buffer is the thread's and heads start small. Before, every such connection left
    /// ~298 KiB of garbage (a 16 KiB scratch buffer and 4 KiB heads per stream object); now ~82 KiB,
    /// the connection's own state (HPACK tables, frame buffers, its streams' heads). The reuse of
    /// stream objects across connections is tested on its own (StreamObjectReuseTests): with this
    /// client it saves too little to show here.
    /// </summary>
    [Fact]
    public async Task ShortLivedH2cConnections_LeaveLittleGarbageEach()
    {
        const int StreamsPerConnection = 10;
        const int BudgetBytesPerConnection = 128 * 1024;
        var config = Directory.CreateTempSubdirectory("engine-alloc-").FullName;
        await File.WriteAllTextAsync(Path.Combine(config, "plain.yaml"), MeshYaml.Service("plain", 8080, "http", [(_upstreams.PortOf("plain"), new Dictionary<string, string>())], "HTTP"));
        var port = FreePort.Next();
        var admin = FreePort.Next();
        await using var engine = EngineProcess.Start($"run --config {config} --listen 127.0.0.1:{port} --admin 127.0.0.1:{admin} --access-log off");
        await engine.WaitForOutputAsync("ready on");
        using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        await ConnectionsAsync(20);
        var before = await AllocatedBytesAsync(scraper, admin);
        const int Measured = 100;
        await ConnectionsAsync(Measured);
        var after = await AllocatedBytesAsync(scraper, admin);

        var perConnection = (after - before) / (double)Measured;
        output.WriteLine($"{after - before} bytes over {Measured} h2c connections of {StreamsPerConnection} streams = {perConnection / 1024:F1} KiB/connection");
        Assert.True(perConnection < BudgetBytesPerConnection, $"{perConnection / 1024:F1} KiB allocated per short-lived connection (budget {BudgetBytesPerConnection / 1024} KiB)");

        async Task ConnectionsAsync(int connections)
        {
            for (var c = 0; c < connections; c++)
            {
                using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false })
                {
                    BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
                    DefaultRequestVersion = HttpVersion.Version20,
                    DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
                    Timeout = TimeSpan.FromSeconds(30),
                };
                await Task.WhenAll(Enumerable.Range(0, StreamsPerConnection).Select(async _ =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/churn");
                    request.Headers.Host = "plain:8080";
                    using var response = await client.SendAsync(request);
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    await response.Content.ReadAsByteArrayAsync();
                }));
            }
        }
    }

    /// <summary>Sends <paramref name="count"/> GETs, <see cref="Concurrency"/> at a time; every one must be a 200 from the upstream.</summary>
    private static async Task SendAsync(HttpClient client, string host, int count, (string Name, string Value)[] headers)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < count)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/alloc");
                request.Headers.Host = host;
                foreach (var (name, value) in headers)
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await response.Content.ReadAsByteArrayAsync();
            }
        });
        await Task.WhenAll(workers);
    }

    private static async Task<long> AllocatedBytesAsync(HttpClient scraper, int admin)
    {
        var text = await scraper.GetStringAsync($"http://127.0.0.1:{admin}/stats/prometheus");
        var line = text.Split('\n').Single(l => l.StartsWith("engine_gc_allocated_bytes ", StringComparison.Ordinal));
        return long.Parse(line["engine_gc_allocated_bytes ".Length..], CultureInfo.InvariantCulture);
    }
}
