using System.Net;
using Engine.Config;
using Engine.Hosting;
using Engine.Proxy;
using Engine.Upstream;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// The real sidecar (the same <see cref="Sidecar"/> <c>engine run</c> uses) in-process on a
/// loopback port, configured from YAML written to a temporary folder.
/// </summary>
internal sealed class TestSidecar : IAsyncDisposable
{
    private readonly Sidecar _sidecar;

    private TestSidecar(Sidecar sidecar, string configDirectory, IPEndPoint endpoint, ConfigLoadResult load, bool http2)
    {
        _sidecar = sidecar;
        ConfigDirectory = configDirectory;
        Endpoint = endpoint;
        Load = load;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://{endpoint}"),
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (http2)
        {
            // h2c with prior knowledge: the same listener, sniffed by the proxy.
            Client.DefaultRequestVersion = HttpVersion.Version20;
            Client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
    }

    public string ConfigDirectory { get; }

    public IPEndPoint Endpoint { get; }

    public ConfigLoadResult Load { get; }

    /// <summary>A client that sends origin-form requests to the sidecar; set the Host header per request.</summary>
    public HttpClient Client { get; }

    public Sidecar Sidecar => _sidecar;

    /// <summary>What the proxy reported for each finished request.</summary>
    public CapturingTelemetry Telemetry { get; private init; } = new();

    public static async Task<TestSidecar> StartAsync(
        IEnumerable<string> yamlDocuments,
        string ns = "default",
        IReadOnlyDictionary<string, string>? labels = null,
        IRandomSource? random = null,
        bool watch = false,
        TimeProvider? time = null,
        ProxyOptions? proxy = null,
        bool http2 = false,
        string locality = "",
        TimeSpan? poolSweepInterval = null,
        string istioCerts = "")
    {
        var directory = Directory.CreateTempSubdirectory("engine-test-").FullName;
        var i = 0;
        foreach (var yaml in yamlDocuments)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"{i++:D2}.yaml"), yaml).ConfigureAwait(false);
        }

        var options = new SidecarOptions { ConfigPaths = [directory], Namespace = ns, Labels = labels ?? new Dictionary<string, string>(), Proxy = proxy ?? new ProxyOptions(), Locality = locality, IstioCertificates = istioCerts };
        if (poolSweepInterval is { } sweep)
        {
            options = options with { PoolSweepInterval = sweep };
        }

        var telemetry = new CapturingTelemetry();
        var sidecar = new Sidecar(options, NullLoggerFactory.Instance, time, random, telemetry);
        var load = sidecar.Reload();
        if (load.Snapshot is null)
        {
            await sidecar.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException("test configuration is invalid:\n" + string.Join("\n", load.Diagnostics));
        }

        var endpoint = (IPEndPoint)await sidecar.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0)).ConfigureAwait(false);
        if (watch)
        {
            sidecar.WatchConfig();
        }

        return new TestSidecar(sidecar, directory, endpoint, load, http2) { Telemetry = telemetry };
    }

    /// <summary>Sends GET / (or <paramref name="path"/>) for <paramref name="host"/> with extra headers.</summary>
    public async Task<HttpResponseMessage> GetAsync(string host, string path = "/", params (string Name, string Value)[] headers)
    {
        using var request = NewRequest(HttpMethod.Get, path);
        request.Headers.Host = host;
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Client.SendAsync(request).ConfigureAwait(false);
    }

    /// <summary>A request in the client's protocol (HttpRequestMessage defaults to HTTP/1.1 whatever the client says).</summary>
    public HttpRequestMessage NewRequest(HttpMethod method, string path)
        => new(method, path) { Version = Client.DefaultRequestVersion, VersionPolicy = Client.DefaultVersionPolicy };

    /// <summary>Replaces a config file atomically (write aside, then rename), as a careful deploy tool does.</summary>
    public async Task ReplaceFileAsync(string name, string yaml)
    {
        var temporary = Path.Combine(ConfigDirectory, "." + name + ".tmp");
        await File.WriteAllTextAsync(temporary, yaml).ConfigureAwait(false);
        File.Move(temporary, Path.Combine(ConfigDirectory, name), overwrite: true);
    }

    /// <summary>Sends a request and reads the whole response.</summary>
    public async Task<EchoReply> SendAsync(HttpMethod method, string host, string path = "/", params (string Name, string Value)[] headers)
    {
        using var request = NewRequest(method, path);
        request.Headers.Host = host;
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await EchoReply.ReadAsync(await Client.SendAsync(request).ConfigureAwait(false)).ConfigureAwait(false);
    }

    /// <summary>Which upstream answered (<c>x-served-by</c>), or the status code when the proxy answered.</summary>
    public async Task<string> ServedByAsync(string host, string path = "/", params (string Name, string Value)[] headers)
    {
        using var response = await GetAsync(host, path, headers).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return response.Headers.TryGetValues("x-served-by", out var values) ? values.First() : $"status {(int)response.StatusCode}";
    }

    /// <summary>Sends <paramref name="count"/> requests, <paramref name="parallelism"/> at a time, and counts who served them.</summary>
    public async Task<Dictionary<string, int>> DistributionAsync(string host, int count, int parallelism = 8, params (string Name, string Value)[] headers)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var next = 0;
        var workers = Enumerable.Range(0, parallelism).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= count)
            {
                var servedBy = await ServedByAsync(host, "/", headers).ConfigureAwait(false);
                lock (counts)
                {
                    counts[servedBy] = counts.GetValueOrDefault(servedBy) + 1;
                }
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
        return counts;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _sidecar.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(ConfigDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
