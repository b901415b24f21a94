using Engine.Hosting;
using Engine.Upstream.Dns;
using Engine.Tests.Upstream.Dns;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Tests.Hosting;

/// <summary>The sidecar's DNS refresher: on its interval, new addresses are published as a new configuration.</summary>
public sealed class SidecarDnsRefreshTests : IDisposable
{
    private const string Cluster = "outbound|443||api.example.test";
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-dns-sidecar-").FullName;

    public SidecarDnsRefreshTests() => File.WriteAllText(Path.Combine(_dir, "egress.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: api}
        spec:
          hosts: [api.example.test]
          resolution: DNS
          ports:
          - {number: 443, name: tls, protocol: TLS}
        """);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] Endpoints(Sidecar sidecar) => sidecar.Server.Config.Clusters[Cluster].Endpoints.Select(e => e.Address.ToString()).ToArray();

    [Fact]
    public async Task EveryInterval_NamesAreResolvedAgain_AndAChangeIsPublished()
    {
        var time = new FakeTimeProvider();
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.1");
        var options = new SidecarOptions { ConfigPaths = [_dir], DnsRefreshInterval = TimeSpan.FromSeconds(60) };
        await using var sidecar = new Sidecar(options, NullLoggerFactory.Instance, time, resolver: resolver);
        sidecar.Reload();
        var version = sidecar.Server.Config.Version;
        Assert.Equal(["10.0.0.1:443"], Endpoints(sidecar));

        resolver.Set("api.example.test", "10.0.0.2");
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(1, resolver.Lookups); // not due yet

        time.Advance(TimeSpan.FromSeconds(1));
        await WaitForAsync(() => sidecar.Server.Config.Version > version);

        Assert.Equal(["10.0.0.2:443"], Endpoints(sidecar));
        Assert.Equal(0, sidecar.Reloads); // a DNS change is not a file reload
    }

    [Theory]
    [InlineData(10, 10)]
    [InlineData(0, 5)]   // Envoy's dns_min_refresh_rate: a TTL under 5 s is read as 5 s
    [InlineData(600, 600)] // respect_dns_ttl: longer than dnsRefreshRate too
    public async Task ANameWithATtl_IsResolvedAgainWhenItsRecordExpires(int ttlSeconds, int refreshedAfter)
    {
        var time = new FakeTimeProvider();
        var table = new TableResolver().Set("api.example.test", "10.0.0.1");
        var resolver = new TtlResolver(table);
        resolver.Ttls["api.example.test"] = TimeSpan.FromSeconds(ttlSeconds);
        var options = new SidecarOptions { ConfigPaths = [_dir], DnsRefreshInterval = TimeSpan.FromSeconds(60) };
        await using var sidecar = new Sidecar(options, NullLoggerFactory.Instance, time, resolver: resolver);
        sidecar.Reload();
        var version = sidecar.Server.Config.Version;

        // The name's TTL is asked at the first look after the configuration's own lookup.
        time.Advance(DnsRefresher.Resolution);
        await WaitForAsync(() => table.Lookups == 2);
        table.Set("api.example.test", "10.0.0.2");

        time.Advance(TimeSpan.FromSeconds(refreshedAfter) - DnsRefresher.Resolution);
        await Task.Delay(50);
        Assert.Equal(2, table.Lookups); // not due yet

        time.Advance(DnsRefresher.Resolution);
        await WaitForAsync(() => sidecar.Server.Config.Version > version);
        Assert.Equal(["10.0.0.2:443"], Endpoints(sidecar));
    }

    [Fact]
    public async Task NothingChanged_NothingIsPublished()
    {
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.1");
        var options = new SidecarOptions { ConfigPaths = [_dir] };
        await using var sidecar = new Sidecar(options, NullLoggerFactory.Instance, resolver: resolver);
        sidecar.Reload();
        var config = sidecar.Server.Config;

        await sidecar.DnsRefresher!.RefreshAsync();

        Assert.Same(config, sidecar.Server.Config);
        Assert.Equal(2, resolver.Lookups);
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Environment.TickCount64 + 10_000;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }
}
