using System.Diagnostics;
using System.Text.Json;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Cli;

/// <summary>
/// The shipped binary end to end: `engine echo` upstreams and `engine run` as processes, curl as
/// the client, as the README shows it.
/// </summary>
public sealed class EndToEndProcessTests : IAsyncLifetime
{
    private readonly List<EngineProcess> _processes = [];
    private string _configDir = null!;
    private int _proxyPort;
    private EngineProcess _proxy = null!;

    public async Task InitializeAsync()
    {
        var v1 = FreePort.Next();
        var v2 = FreePort.Next();
        _processes.Add(EngineProcess.Start($"echo --listen 127.0.0.1:{v1} --name reviews-v1"));
        _processes.Add(EngineProcess.Start($"echo --listen 127.0.0.1:{v2} --name reviews-v2"));
        foreach (var echo in _processes)
        {
            await echo.WaitForOutputAsync("listening on");
        }

        _configDir = Directory.CreateTempSubdirectory("engine-e2e-").FullName;
        await File.WriteAllTextAsync(Path.Combine(_configDir, "mesh.yaml"),
            MeshYaml.Service("reviews", 9080, (v1, "v1"), (v2, "v2")) + "---\n" + MeshYaml.Subsets("reviews", "v1", "v2") + "---\n" + """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: reviews}
            spec:
              hosts: [reviews]
              http:
              - match:
                - headers: {end-user: {exact: jason}}
                route:
                - destination: {host: reviews, subset: v2}
              - route:
                - destination: {host: reviews, subset: v1}
            """);
        _proxyPort = FreePort.Next();
        _proxy = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{_proxyPort}");
        _processes.Add(_proxy);
        await _proxy.WaitForOutputAsync("ready on");
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }

    private static async Task<(int ExitCode, string Stdout)> CurlAsync(string arguments, string? stdinFile = null)
    {
        var info = new ProcessStartInfo("bash", ["-c", (stdinFile is null ? string.Empty : $"cat {stdinFile} | ") + "curl -sS " + arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(120_000);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, stdout + stderr);
    }

    [Fact]
    public async Task Curl_ThroughTheBinary_IsRoutedByHeader_InOriginAndAbsoluteForm()
    {
        var (code1, jason) = await CurlAsync($"-H 'Host: reviews:9080' -H 'end-user: jason' http://127.0.0.1:{_proxyPort}/reviews/1");
        var (code2, other) = await CurlAsync($"-x http://127.0.0.1:{_proxyPort} http://reviews:9080/reviews/1");

        Assert.Equal(0, code1);
        Assert.Equal(0, code2);
        Assert.Equal("reviews-v2", JsonDocument.Parse(jason).RootElement.GetProperty("name").GetString());
        Assert.Equal("reviews-v1", JsonDocument.Parse(other).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task OneGibibyteDownload_PassesThroughInBoundedMemory()
    {
        const long size = 1L << 30;
        var (code, output) = await CurlAsync($"-o /dev/null -w '%{{size_download}}' -H 'Host: reviews:9080' -H 'x-echo-bytes: {size}' http://127.0.0.1:{_proxyPort}/");

        Assert.Equal(0, code);
        Assert.Equal(size.ToString(System.Globalization.CultureInfo.InvariantCulture), output.Trim());
        Assert.True(_proxy.PeakRssBytes() < 200L * 1024 * 1024, $"peak RSS {_proxy.PeakRssBytes() / (1024 * 1024)} MiB");
    }

    [Fact]
    public async Task OneGibibyteChunkedUpload_PassesThroughInBoundedMemory()
    {
        const long size = 1L << 30;
        var (code, output) = await CurlAsync($"-T - -H 'Host: reviews:9080' http://127.0.0.1:{_proxyPort}/upload", stdinFile: "<(head -c " + size + " /dev/zero)");

        Assert.True(code == 0, output);
        Assert.Equal(size, JsonDocument.Parse(output).RootElement.GetProperty("bodyBytes").GetInt64());
        Assert.True(_proxy.PeakRssBytes() < 200L * 1024 * 1024, $"peak RSS {_proxy.PeakRssBytes() / (1024 * 1024)} MiB");
    }

    [Fact]
    public async Task Sigterm_StopsTheProxy_WithExitCode0()
    {
        var port = FreePort.Next();
        await using var proxy = EngineProcess.Start($"run --config {_configDir} --listen 127.0.0.1:{port}");
        await proxy.WaitForOutputAsync("ready on");

        proxy.Terminate();

        Assert.Equal(0, await proxy.WaitForExitAsync());
    }
}
