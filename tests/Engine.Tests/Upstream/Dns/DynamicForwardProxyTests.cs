using Engine.Upstream;

namespace Engine.Tests.Upstream.Dns;

/// <summary>A DYNAMIC_DNS ServiceEntry: each request goes to its own host, looked up when first asked for.</summary>
public sealed class DynamicForwardProxyTests
{
    private const string Yaml = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: dyn}
        spec:
          hosts: ["*.dyn.test"]
          resolution: DYNAMIC_DNS
          ports:
          - {number: 80, name: http, protocol: HTTP, targetPort: 9080}
        """;

    private const string ClusterName = "outbound|80||*.dyn.test";

    [Fact]
    public async Task ANewName_IsPendingUntilItsLookupEnds_ThenHasAOneEndpointClusterAtTheTargetPort()
    {
        var resolver = new TableResolver().Set("a.dyn.test", "10.0.0.1");
        using var mesh = new DnsMesh(Yaml, resolver);
        var proxy = mesh.Cluster(ClusterName).Dynamic!;
        resolver.Hold();

        Assert.Equal(DynamicLookup.Pending, proxy.Find("a.dyn.test", out _, out var pending));
        Assert.False(pending!.FirstLookup.IsCompleted);
        resolver.Release();
        await pending.FirstLookup.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(DynamicLookup.Ready, proxy.Find("A.dyn.test", out var cluster, out _));
        Assert.Equal(ClusterName, cluster!.Name);
        Assert.Equal("10.0.0.1:9080", Assert.Single(cluster.Endpoints).Address.ToString());
        Assert.Equal(DynamicLookup.Ready, proxy.Find("a.dyn.test", out var again, out _));
        Assert.Same(cluster, again);
        Assert.Equal(1, resolver.Lookups);
    }

    [Fact]
    public async Task AnUnresolvableName_Fails()
    {
        using var mesh = new DnsMesh(Yaml, new TableResolver());
        var proxy = mesh.Cluster(ClusterName).Dynamic!;

        proxy.Find("nope.dyn.test", out _, out var pending);
        await LookedUp(pending);

        Assert.Equal(DynamicLookup.Failed, proxy.Find("nope.dyn.test", out _, out _));
    }

    [Fact]
    public async Task ARefresh_MovesTheName_AndAFailedOneKeepsItsAddress()
    {
        var resolver = new TableResolver().Set("a.dyn.test", "10.0.0.1");
        using var mesh = new DnsMesh(Yaml, resolver);
        var proxy = mesh.Cluster(ClusterName).Dynamic!;
        proxy.Find("a.dyn.test", out _, out var pending);
        await LookedUp(pending);

        resolver.Set("a.dyn.test", "10.0.0.2");
        Assert.True(await mesh.Dns.Dynamic.RefreshAsync(CancellationToken.None));
        proxy.Find("a.dyn.test", out var moved, out _);
        resolver.Remove("a.dyn.test");
        Assert.False(await mesh.Dns.Dynamic.RefreshAsync(CancellationToken.None));
        proxy.Find("a.dyn.test", out var kept, out _);

        Assert.Equal("10.0.0.2:9080", moved!.Endpoints[0].Address.ToString());
        Assert.Same(moved, kept);
    }

    [Fact]
    public async Task AReload_KeepsTheNamesResolvedSoFar_WithTheirEndpoints()
    {
        var resolver = new TableResolver().Set("a.dyn.test", "10.0.0.1");
        using var mesh = new DnsMesh(Yaml, resolver);
        mesh.Cluster(ClusterName).Dynamic!.Find("a.dyn.test", out _, out var pending);
        await LookedUp(pending);
        mesh.Cluster(ClusterName).Dynamic!.Find("a.dyn.test", out var before, out _);

        mesh.Rebuild();
        var proxy = mesh.Cluster(ClusterName).Dynamic!;

        Assert.Equal(DynamicLookup.Ready, proxy.Find("a.dyn.test", out var after, out _));
        Assert.Equal("10.0.0.1:9080", Assert.Single(proxy.HostClusters).Endpoints[0].Address.ToString());
        Assert.Same(before!.Endpoints[0].Pool, after!.Endpoints[0].Pool); // warm connections survive
        Assert.Equal(1, resolver.Lookups);
    }

    [Fact]
    public void AFullCache_Overflows()
    {
        var cache = new Engine.Upstream.Dns.DynamicHostCache(new TableResolver(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, maxHosts: 1);

        Assert.NotNull(cache.GetOrStart("a.dyn.test"));
        Assert.Null(cache.GetOrStart("b.dyn.test"));
        Assert.NotNull(cache.GetOrStart("a.dyn.test"));
    }

    [Fact]
    public async Task NamesUnusedLongerThanTheHostTtl_AreDropped()
    {
        var resolver = new TableResolver().Set("a.dyn.test", "10.0.0.1");
        var cache = new Engine.Upstream.Dns.DynamicHostCache(resolver, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, hostTtl: TimeSpan.Zero);
        await cache.GetOrStart("a.dyn.test")!.FirstLookup.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitForTickAsync();

        await cache.RefreshAsync(CancellationToken.None);

        Assert.Empty(cache.Hosts);
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(0, 5)]     // Envoy's dns_min_refresh_rate: a TTL under 5 s is read as 5 s
    [InlineData(600, 600)] // longer than the refresh interval too
    [InlineData(-1, 60)]   // no TTL known: the refresh interval
    public async Task AName_IsResolvedAgainWhenItsRecordExpires(int ttlSeconds, int refreshedAfter)
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var table = new TableResolver().Set("a.dyn.test", "10.0.0.1");
        var resolver = new TtlResolver(table);
        if (ttlSeconds >= 0)
        {
            resolver.Ttls["a.dyn.test"] = TimeSpan.FromSeconds(ttlSeconds);
        }

        var cache = new Engine.Upstream.Dns.DynamicHostCache(resolver, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, time: time);
        var interval = TimeSpan.FromSeconds(60);
        var host = cache.GetOrStart("a.dyn.test")!;
        await host.FirstLookup.WaitAsync(TimeSpan.FromSeconds(10));

        // The first lookup (a request waits on it) does not ask the TTL: the next look does.
        Assert.False(await cache.RefreshDueAsync(interval, CancellationToken.None));
        Assert.Equal(2, table.Lookups);
        table.Set("a.dyn.test", "10.0.0.2");

        time.Advance(TimeSpan.FromSeconds(refreshedAfter) - TimeSpan.FromSeconds(1));
        Assert.False(await cache.RefreshDueAsync(interval, CancellationToken.None));
        Assert.Equal(2, table.Lookups); // not due yet

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await cache.RefreshDueAsync(interval, CancellationToken.None));
        Assert.Equal(3, table.Lookups);
        Assert.Equal("10.0.0.2", host.Address!.ToString());
    }

    /// <summary>Environment.TickCount64 moves in steps of a few ms: wait for the next one (bounded).</summary>
    private static async Task WaitForTickAsync()
    {
        var start = Environment.TickCount64;
        for (var i = 0; i < 1000 && Environment.TickCount64 == start; i++)
        {
            await Task.Delay(1);
        }
    }

    /// <summary>
    /// Waits for the first lookup a Find reported pending. None when it had already ended: the
    /// lookup runs on the thread pool and can finish before Find looks at it.
    /// </summary>
    private static Task LookedUp(Engine.Upstream.Dns.DynamicHost? pending)
        => pending?.FirstLookup.WaitAsync(TimeSpan.FromSeconds(10)) ?? Task.CompletedTask;
}
