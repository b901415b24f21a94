using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Engine.IntegrationTests.Drills;
using Xunit.Abstractions;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>
/// Ordinary h2c use of the running proxy by real clients: <c>curl --http2-prior-knowledge</c> and
/// <c>h2load</c> (nghttp2-client, installed by scripts/bootstrap.sh), both pointed at a routed
/// service name and connected to the proxy on 127.0.0.1.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed partial class H2cClientToolTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Curl_Http2PriorKnowledge_RoutedService_Answers200OverHttp2()
    {
        Skip.IfNot(Installed("curl"), "curl is not installed (scripts/bootstrap.sh installs it)");
        await using var drill = await H2Drill.StartAsync();
        var proxy = drill.Proxy.Endpoint;

        // A 1 MiB download (well past the 64 KiB initial windows) and the echo's JSON description.
        var run = await RunAsync("curl", $"-sS --max-time 30 --http2-prior-knowledge --connect-to good:8080:{proxy.Address}:{proxy.Port} -H x-echo-bytes:1048576 -o /dev/null -w %{{http_version}}/%{{http_code}}/%{{size_download}} http://good:8080/big", TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, "curl failed:\n" + run.Output);
        Assert.Equal("2/200/1048576", run.Stdout.Trim());

        run = await RunAsync("curl", $"-sS --max-time 30 --http2-prior-knowledge --connect-to good:8080:{proxy.Address}:{proxy.Port} http://good:8080/hello?x=1", TimeSpan.FromSeconds(60));
        Assert.True(run.ExitCode == 0, "curl failed:\n" + run.Output);
        Assert.Contains("\"path\":\"/hello?x=1\"", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"good\"", run.Stdout, StringComparison.Ordinal);

        await drill.AssertOthersServedAndReleasedAsync();
    }

    [SkippableFact]
    public async Task H2load_2000RequestsOn4ConnectionsWith10StreamsEach_NoErrors()
    {
        Skip.IfNot(Installed("h2load"), "h2load is not installed (nghttp2-client; scripts/bootstrap.sh installs it)");
        await using var drill = await H2Drill.StartAsync();
        var proxy = drill.Proxy.Endpoint;

        var run = await RunAsync("h2load", $"-n 2000 -c 4 -m 10 -T 30 -N 30 --connect-to={proxy.Address}:{proxy.Port} -H x-echo-bytes:4096 http://good:8080/", TimeSpan.FromSeconds(90));
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, "h2load failed:\n" + run.Output);
        var requests = RequestsLine().Match(run.Stdout);
        Assert.True(requests.Success, "no requests line:\n" + run.Output);
        Assert.Equal(2000, int.Parse(requests.Groups["succeeded"].Value, CultureInfo.InvariantCulture));
        Assert.Equal("0 0 0", $"{requests.Groups["failed"].Value} {requests.Groups["errored"].Value} {requests.Groups["timeout"].Value}");
        Assert.Matches(@"status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx", run.Stdout);

        await drill.AssertOthersServedAndReleasedAsync();
    }

    [GeneratedRegex(@"requests: \d+ total, \d+ started, \d+ done, (?<succeeded>\d+) succeeded, (?<failed>\d+) failed, (?<errored>\d+) errored, (?<timeout>\d+) timeout")]
    private static partial Regex RequestsLine();

    private static bool Installed(string tool)
        => Environment.GetEnvironmentVariable("PATH")!.Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static async Task<(int ExitCode, string Stdout, string Output)> RunAsync(string tool, string arguments, TimeSpan limit)
    {
        var info = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} ran past {limit.TotalSeconds} s");
        }

        return (process.ExitCode, await stdout, await stdout + await stderr);
    }
}
