using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Admin;

/// <summary>
/// `engine run` as an operator starts it: the one-line summary, the admin flag, the access log
/// on stdout, warnings named with file and line.
/// </summary>
public sealed class RunOperatorTests : IAsyncLifetime
{
    private readonly string _configDir = Directory.CreateTempSubdirectory("engine-run-").FullName;
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync()
    {
        _upstreams = await Upstreams.StartAsync("reviews-v1");
        await File.WriteAllTextAsync(Path.Combine(_configDir, "mesh.yaml"), MeshYaml.Service("reviews", 9080, (_upstreams.PortOf("reviews-v1"), "v1")));
        await File.WriteAllTextAsync(Path.Combine(_configDir, "rules.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: reviews}
            spec:
              host: reviews
              trafficPolicy:
                loadBalancer: {simple: LEAST_CONN}
              subsets:
              - {name: v1, labels: {version: v1}}
            """);
    }

    public async Task DisposeAsync()
    {
        await _upstreams.DisposeAsync();
        Directory.Delete(_configDir, recursive: true);
    }

    [Fact]
    public async Task Run_PrintsWarningsWithFileAndLine_ThenOneSummary_AndServesTheAdminApi()
    {
        var port = FreePort.Next();
        var admin = FreePort.Next();
        await using var engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{port} --admin 127.0.0.1:{admin}");
        await engine.WaitForOutputAsync("ready on");

        var rules = Path.Combine(_configDir, "rules.yaml");
        Assert.Contains(rules + ":7: warning: DestinationRule/reviews spec.trafficPolicy.loadBalancer.simple: LEAST_CONN is deprecated", engine.Output, StringComparison.Ordinal);
        var summary = engine.Output.Split('\n').Single(l => l.Contains("ready on", StringComparison.Ordinal));
        Assert.Matches(
            $@"engine \d+\.\d+\.\d+ ready on 127\.0\.0\.1:{port} \(admin http://127\.0\.0\.1:{admin}/, access log stdout \(text\)\): 2 config files, 0 VirtualServices, 1 DestinationRule, 1 ServiceEntry, 0 WorkloadEntries -> 2 clusters, 1 route; 1 warning$",
            summary.TrimEnd());

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal("LIVE\n", await client.GetStringAsync($"http://127.0.0.1:{admin}/ready"));
        var stats = await client.GetStringAsync($"http://127.0.0.1:{admin}/stats/prometheus");
        Assert.Contains("engine_config_version 1\n", stats, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_JsonAccessLog_GoesToStdout_OneObjectPerLine()
    {
        var port = FreePort.Next();
        await using var engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{port} --admin none --access-log-format json");
        await engine.WaitForOutputAsync("ready on");
        Assert.Contains("(admin off, access log stdout (json))", engine.Output, StringComparison.Ordinal);

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/hello") { Headers = { Host = "reviews:9080" } };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await engine.WaitForOutputAsync("\"path\":\"/hello\"");
        var line = engine.Output.Split('\n').Single(l => l.StartsWith("{\"start_time\"", StringComparison.Ordinal));
        var json = JsonDocument.Parse(line).RootElement;
        Assert.Equal(200, json.GetProperty("response_code").GetInt32());
        Assert.Equal("outbound|9080||reviews.default.svc.cluster.local", json.GetProperty("upstream_cluster").GetString());
    }

    [Fact]
    public async Task Run_AccessLogOff_WritesNoRequestLines()
    {
        var port = FreePort.Next();
        await using var engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{port} --admin none --access-log off");
        await engine.WaitForOutputAsync("ready on");

        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/quiet") { Headers = { Host = "reviews:9080" } };
        using var response = await client.SendAsync(request);
        engine.Terminate();
        Assert.Equal(0, await engine.WaitForExitAsync());

        Assert.Contains("access log off", engine.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("/quiet", engine.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--admin nowhere", "--admin 'nowhere' is not HOST:PORT")]
    [InlineData("--access-log-format xml", "--access-log-format 'xml' is not text, envoy or json")]
    [InlineData("--drain-timeout soon", "--drain-timeout 'soon'")]
    public async Task Run_BadOperatorFlags_AreUsageErrors(string flag, string message)
    {
        var (code, output) = await EngineProcess.RunAsync($"run --config {_configDir} --listen 127.0.0.1:{FreePort.Next()} {flag}");

        Assert.Equal(2, code);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ExplicitAdminAddressInUse_RefusesToStart()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, output) = await EngineProcess.RunAsync($"run --config {_configDir} --listen 127.0.0.1:{FreePort.Next()} --admin 127.0.0.1:{busy}");

        Assert.Equal(1, code);
        Assert.Contains($"--admin: cannot listen on 127.0.0.1:{busy}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ListenAddressInUse_RefusesToStart_WithAMessageNotAStackTrace()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var busy = ((IPEndPoint)taken.LocalEndpoint).Port;

        var (code, output) = await EngineProcess.RunAsync($"run --config {_configDir} --listen 127.0.0.1:{busy} --admin none");

        Assert.Equal(1, code);
        Assert.Contains($"cannot listen on 127.0.0.1:{busy}", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DefaultAdminPortInUse_WarnsAndRunsWithoutTheAdminApi()
    {
        // Hold 15000 if it is free; if another engine of this test run holds it, it is in use
        // all the same, unless that engine exits first: then ours takes it, which is fine too.
        using var taken = new TcpListener(IPAddress.Loopback, 15000);
        var held = true;
        try
        {
            taken.Start();
        }
        catch (SocketException)
        {
            held = false;
        }

        await using var engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{FreePort.Next()}");
        await engine.WaitForOutputAsync("ready on");

        var warned = engine.Output.Contains("admin: cannot listen on 127.0.0.1:15000", StringComparison.Ordinal);
        Assert.True(warned || !held, "the port was held by this test: the engine must say it runs without the admin API");
        Assert.Contains(warned ? "(admin off, " : "(admin http://127.0.0.1:15000/, ", engine.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AccessLogToAFile_AppendsLines()
    {
        var port = FreePort.Next();
        var file = Path.Combine(_configDir, "..", Path.GetFileName(_configDir) + "-access.log");
        await using (var engine = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{port} --admin none --access-log {file} --access-log-format envoy"))
        {
            await engine.WaitForOutputAsync("ready on");
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/to-file") { Headers = { Host = "reviews:9080" } };
            using var response = await client.SendAsync(request);
            engine.Terminate();
            Assert.Equal(0, await engine.WaitForExitAsync());
        }

        var lines = await File.ReadAllLinesAsync(file);
        File.Delete(file);
        var line = Assert.Single(lines);
        Assert.Matches("""^\[[^\]]+\] "GET /to-file HTTP/1\.1" 200 - 0 \d+ \d+ \d+ "-" "-" "-" "reviews:9080" "127\.0\.0\.1:\d+"$""", line);
    }
}
