using System.Net;
using Engine.Admin;
using Engine.Hosting;
using Engine.IntegrationTests.Infrastructure;
using Engine.Telemetry;
using Engine.Telemetry.AccessLogs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.IntegrationTests.Telemetry;

/// <summary>
/// The sidecar as <c>engine run</c> wires it — metrics, an access log (to a file here, so the
/// test can read it), the admin listener and a run-time log level — in-process on loopback ports.
/// </summary>
internal sealed class ObservedSidecar : IAsyncDisposable
{
    private readonly string _directory;

    private ObservedSidecar(string directory, Sidecar sidecar, AdminServer admin, EngineTelemetry telemetry, LineLoggerProvider logging, string accessLogPath)
    {
        _directory = directory;
        ConfigDirectory = Path.Combine(directory, "config");
        Sidecar = sidecar;
        Admin = admin;
        Telemetry = telemetry;
        Logging = logging;
        AccessLogPath = accessLogPath;
        AdminClient = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{admin.EndPoint}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public Sidecar Sidecar { get; }

    /// <summary>The folder of YAML the sidecar loads (write a file and call <c>Sidecar.Reload()</c>).</summary>
    public string ConfigDirectory { get; }

    public AdminServer Admin { get; }

    public EngineTelemetry Telemetry { get; }

    public LineLoggerProvider Logging { get; }

    public string AccessLogPath { get; }

    public HttpClient AdminClient { get; }

    /// <summary>The proxy listener (after <see cref="ListenAsync"/>).</summary>
    public IPEndPoint Endpoint => (IPEndPoint)Sidecar.Server.Endpoints[0];

    /// <summary>Loads the configuration and starts the admin listener; the proxy listens only when <paramref name="listen"/> (else call <see cref="ListenAsync"/>).</summary>
    public static async Task<ObservedSidecar> StartAsync(IEnumerable<string> yamlDocuments, AccessLogFormat format = AccessLogFormat.Text, bool listen = true)
    {
        var directory = Directory.CreateTempSubdirectory("engine-observed-").FullName;
        var configDirectory = Directory.CreateDirectory(Path.Combine(directory, "config")).FullName;
        var i = 0;
        foreach (var yaml in yamlDocuments)
        {
            await File.WriteAllTextAsync(Path.Combine(configDirectory, $"{i++:D2}.yaml"), yaml);
        }

        var accessLogPath = Path.Combine(directory, "access.log");
        var telemetry = new EngineTelemetry(accessLog: new AccessLog(AccessLogWriter.Open(accessLogPath), format));
        var logging = new LineLoggerProvider(TextWriter.Null, TimeProvider.System, LogLevel.Information);
        var sidecar = new Sidecar(new SidecarOptions { ConfigPaths = [configDirectory] }, NullLoggerFactory.Instance, telemetry: telemetry);
        var load = sidecar.Reload();
        if (load.Snapshot is null)
        {
            throw new InvalidOperationException("test configuration is invalid:\n" + string.Join("\n", load.Diagnostics));
        }

        var admin = new AdminServer(sidecar, telemetry, logging, "0.0.0-test", NullLoggerFactory.Instance);
        await admin.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0));
        var observed = new ObservedSidecar(directory, sidecar, admin, telemetry, logging, accessLogPath);
        if (listen)
        {
            await observed.ListenAsync();
        }

        return observed;
    }

    public Task ListenAsync() => Sidecar.ListenAsync(new IPEndPoint(IPAddress.Loopback, 0));

    /// <summary>A client for proxied requests (a new connection pool: tests that count connections own it).</summary>
    public HttpClient ProxyClient() => new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://{Endpoint}"), Timeout = TimeSpan.FromSeconds(30) };

    public async Task<HttpResponseMessage> SendAsync(HttpClient client, string host, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request);
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    /// <summary>Scrapes /stats/prometheus and parses it strictly.</summary>
    public async Task<PrometheusScrape> ScrapeAsync()
    {
        using var response = await AdminClient.GetAsync("/stats/prometheus");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return PrometheusTextParser.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until the access log holds at least <paramref name="count"/> lines (the writer flushes in batches).</summary>
    public async Task<string[]> AccessLogLinesAsync(int count)
    {
        string[] lines = [];
        await WaitFor.ConditionAsync(
            () =>
            {
                lines = File.Exists(AccessLogPath) ? File.ReadAllLines(AccessLogPath) : [];
                return lines.Length >= count;
            },
            because: $"{count} access-log lines");
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        AdminClient.Dispose();
        await Admin.DisposeAsync();
        await Sidecar.DisposeAsync();
        Telemetry.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
