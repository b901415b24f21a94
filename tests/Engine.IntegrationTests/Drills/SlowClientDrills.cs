namespace Engine.IntegrationTests.Drills;

/// <summary>
/// Slow clients made by a real attack tool (<c>slowhttptest</c>): slowloris heads trickled a
/// header every few seconds, and slow readers that take a large response a few bytes at a time.
/// The proxy must cut the first off at the request-head timeout, hold the second with
/// back-pressure instead of buffering, and keep serving everyone else.
/// </summary>
[Collection(DrillCollection.Name)]
public sealed class SlowClientDrills
{
    private const string NotInstalled = "slowhttptest is not installed (scripts/bootstrap.sh installs it)";

    [SkippableFact]
    public async Task SlowHeaders_AreCutOffByTheHeadTimeout_OthersServed()
    {
        Skip.IfNot(SlowHttpTest.Installed, NotInstalled);
        await using var drill = await Drill.StartAsync([]);

        // 400 connections opened at 200/s, each sending one more header line every 2 s, never
        // finishing the head; the test would last 60 s if nobody closed them.
        var run = await SlowHttpTest.RunAsync(
            $"-H -c 400 -r 200 -i 2 -x 24 -p 5 -l 60 -t GET -u http://{drill.Proxy.Endpoint}/",
            TimeSpan.FromSeconds(90));

        // The proxy closed every one (the 10 s head timeout answers 408 and closes) before the
        // tool's time limit: it stopped because no connection was left.
        Assert.True(run.ExitStatus.Contains("No open connections left", StringComparison.Ordinal), "slowhttptest ended otherwise:\n" + run.Output);
        await drill.AssertOthersServedAndReleasedAsync();
    }

    [SkippableFact]
    public async Task SlowReaders_AreHeldByBackPressure_NotBuffered_OthersServed()
    {
        Skip.IfNot(SlowHttpTest.Installed, NotInstalled);
        await using var drill = await Drill.StartAsync([]);
        var (proxy, bystanders) = (drill.Proxy, drill.Bystanders);

        // Every response of the "big" host is 4 MiB: the route asks the echo upstream for it.
        await File.WriteAllTextAsync(Path.Combine(proxy.ConfigDirectory, "big.yaml"), """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: big}
            spec:
              hosts: [big]
              http:
              - route:
                - destination: {host: good, port: {number: 8080}}
                headers:
                  request:
                    set: {x-echo-bytes: "4194304"}
            """);
        proxy.Hangup();
        await WaitForStatusAsync(proxy, "big", 200);
        var rssBefore = proxy.ResidentBytes();

        // 150 connections through the proxy (absolute-form), each advertising a tiny receive
        // window and reading 32 bytes every 3 s, with 2 requests pipelined: 1.2 GB if buffered;
        // what back-pressure allows is the read and write pipe thresholds (~320 KiB) each.
        var running = SlowHttpTest.RunAsync(
            $"-X -c 150 -r 150 -w 512 -y 1024 -n 3 -z 32 -k 2 -p 5 -l 25 -d {proxy.Endpoint} -u http://big:8080/",
            TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(15)); // the readers are connected and stalled by now
        var rssWhileStalled = proxy.ResidentBytes();
        await bystanders.WaitForMoreAsync(50);
        var run = await running;

        Assert.True(run.Connected + run.Closed > 0, "slowhttptest never connected:\n" + run.Output);
        await drill.AssertOthersServedAndReleasedAsync(timeoutMs: 60_000);
        Assert.True(rssWhileStalled - rssBefore < 128L << 20, $"RSS grew {(rssWhileStalled - rssBefore) >> 20} MiB while 150 readers stalled on 4 MiB responses");
    }

    private static async Task WaitForStatusAsync(DrillProxy proxy, string service, int status)
    {
        var deadline = Environment.TickCount64 + 30_000;
        while (await proxy.StatusOfAsync(service) != status)
        {
            Assert.True(Environment.TickCount64 < deadline, $"{service} never answered {status} after the reload:\n{proxy.Output}");
            await Task.Delay(100);
        }
    }
}
