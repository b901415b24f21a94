using System.Net;
using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Reload;

/// <summary>Live reload: changed files apply within a second, atomically; broken files keep the last good config.</summary>
public sealed class LiveReloadTests : IAsyncLifetime
{
    private Upstreams _upstreams = null!;

    public async Task InitializeAsync() => _upstreams = await Upstreams.StartAsync("svc-v1", "svc-v2");

    public async Task DisposeAsync() => await _upstreams.DisposeAsync();

    /// <summary>A route whose destination and response marker must always agree: A ⇔ v1, B ⇔ v2.</summary>
    private static string Route(string marker, string subset) => $$$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc}
        spec:
          hosts: [svc]
          http:
          - headers:
              response: {set: {x-config: {{{marker}}}}}
            route:
            - destination: {host: svc, subset: {{{subset}}}}
        """;

    private Task<TestSidecar> StartAsync(string route) => TestSidecar.StartAsync(
    [
        MeshYaml.Service("svc", 8080, (_upstreams.PortOf("svc-v1"), "v1"), (_upstreams.PortOf("svc-v2"), "v2")),
        MeshYaml.Subsets("svc", "v1", "v2"),
        route,
    ], watch: true);

    [Fact]
    public async Task ChangedFile_IsAppliedWithinASecondOrSo()
    {
        await using var sidecar = await StartAsync(Route("A", "v1"));
        Assert.Equal("svc-v1", await sidecar.ServedByAsync("svc:8080"));
        var version = sidecar.Sidecar.Server.Config.Version;

        await sidecar.ReplaceFileAsync("02.yaml", Route("B", "v2"));

        await WaitFor.ConditionAsync(() => sidecar.Sidecar.Server.Config.Version > version, because: "the change was picked up");
        Assert.Equal("svc-v2", await sidecar.ServedByAsync("svc:8080"));
    }

    [Fact]
    public async Task AddedAndRemovedFiles_AreReloaded()
    {
        await using var sidecar = await StartAsync(Route("A", "v1"));
        var version = sidecar.Sidecar.Server.Config.Version;

        await sidecar.ReplaceFileAsync("03.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: other}
            spec:
              hosts: [other.example]
              http:
              - directResponse: {status: 418}
            """);
        await WaitFor.ConditionAsync(() => sidecar.Sidecar.Server.Config.Version > version);
        Assert.Equal(418, (int)(await sidecar.SendAsync(HttpMethod.Get, "other.example")).Status);

        version = sidecar.Sidecar.Server.Config.Version;
        File.Delete(Path.Combine(sidecar.ConfigDirectory, "03.yaml"));
        await WaitFor.ConditionAsync(() => sidecar.Sidecar.Server.Config.Version > version);
        Assert.Equal(HttpStatusCode.NotFound, (await sidecar.SendAsync(HttpMethod.Get, "other.example")).Status);
    }

    [Fact]
    public async Task BrokenFile_KeepsTheLastGoodConfigServing_AndReportsFileAndLine()
    {
        await using var sidecar = await StartAsync(Route("A", "v1"));
        var version = sidecar.Sidecar.Server.Config.Version;

        await sidecar.ReplaceFileAsync("02.yaml", "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: svc}\nspec:\n  hosts: [svc]\n  http:\n  - route:\n    - destination: {host: svc}\n      weight: -1\n");

        await WaitFor.ConditionAsync(() => sidecar.Sidecar.ReloadFailures > 0, because: "the broken file was seen");
        Assert.Equal(version, sidecar.Sidecar.Server.Config.Version);
        Assert.Equal("svc-v1", await sidecar.ServedByAsync("svc:8080"));
        var error = Assert.Single(sidecar.Sidecar.LastLoad!.Errors);
        Assert.Contains("02.yaml:9:", error.ToString(), StringComparison.Ordinal);

        // Fixing the file brings reloads back.
        await sidecar.ReplaceFileAsync("02.yaml", Route("B", "v2"));
        await WaitFor.ConditionAsync(() => sidecar.Sidecar.Server.Config.Version > version);
        Assert.Equal("svc-v2", await sidecar.ServedByAsync("svc:8080"));
    }

    [Fact]
    public async Task UnderLoad_ManySwaps_NoRequestFails_AndNoneSeesAHalfAppliedConfig()
    {
        await using var sidecar = await StartAsync(Route("A", "v1"));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var failures = new List<string>();
        var served = 0;

        var clients = Enumerable.Range(0, 4).Select(async _ =>
        {
            // Until the swaps are done (stop), bounded by 60 s and 200,000 requests per client: a
            // client that ran out of requests before the last swap would read as a stall.
            for (var i = 0; i < 200_000 && !stop.IsCancellationRequested; i++)
            {
                var reply = await sidecar.SendAsync(HttpMethod.Get, "svc:8080");
                var marker = reply.Header("x-config");
                var consistent = (marker == "A" && reply.ServedBy == "svc-v1") || (marker == "B" && reply.ServedBy == "svc-v2");
                if (reply.Status != HttpStatusCode.OK || !consistent)
                {
                    lock (failures)
                    {
                        failures.Add($"{(int)reply.Status} served by {reply.ServedBy} with x-config {marker}");
                    }
                }

                Interlocked.Increment(ref served);
            }
        }).ToArray();

        for (var swap = 0; swap < 20; swap++)
        {
            var version = sidecar.Sidecar.Server.Config.Version;
            await sidecar.ReplaceFileAsync("02.yaml", swap % 2 == 0 ? Route("B", "v2") : Route("A", "v1"));
            await WaitFor.ConditionAsync(() => sidecar.Sidecar.Server.Config.Version > version, because: $"swap {swap} applied");
            var before = Volatile.Read(ref served);
            try
            {
                await WaitFor.ConditionAsync(() => Volatile.Read(ref served) > before + 20, because: "traffic flowed on the new config");
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException(
                    $"{e.Message} (swap {swap}; {before} served before it, {Volatile.Read(ref served)} now; clients still running: "
                    + $"{clients.Count(c => !c.IsCompleted)}; faulted: {string.Join(" | ", clients.Where(c => c.IsFaulted).Select(c => c.Exception!.GetBaseException().Message))}; "
                    + $"{sidecar.Sidecar.Server.ActiveConnections} connections open)",
                    e);
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.True(sidecar.Sidecar.Reloads >= 20);
    }
}
