using System.Net;
using Engine.Upstream.Dns;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.Tests.Upstream.Dns;

public sealed class DnsCacheTests
{
    private static readonly DnsQuery Strict = new("api.example.test", FirstOnly: false);
    private static readonly DnsQuery Logical = new("api.example.test", FirstOnly: true);

    private static DnsCache Cache(TableResolver resolver) => new(resolver, NullLogger.Instance, TimeProvider.System);

    private static string[] Text(IPAddress[] addresses) => addresses.Select(a => a.ToString()).ToArray();

    [Fact]
    public void Lookup_ResolvesANewNameOnce_ThenAnswersFromTheCache()
    {
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.2", "10.0.0.1");
        var cache = Cache(resolver);

        var first = cache.Lookup(Strict);
        var second = cache.Lookup(Strict);

        Assert.Equal(["10.0.0.1", "10.0.0.2"], Text(first)); // sorted: a rotating answer is not a change
        Assert.Same(first, second);
        Assert.Equal(1, resolver.Lookups);
    }

    [Fact]
    public void Lookup_PrefersIPv4_AndFallsBackToIPv6()
    {
        var resolver = new TableResolver().Set("dual.test", "::1", "127.0.0.1").Set("v6.test", "::1");
        var cache = Cache(resolver);

        Assert.Equal(["127.0.0.1"], Text(cache.Lookup(new DnsQuery("dual.test", false))));
        Assert.Equal(["::1"], Text(cache.Lookup(new DnsQuery("v6.test", false))));
    }

    [Fact]
    public void Lookup_ForLogicalDns_KeepsTheFirstAddressOfTheAnswer()
    {
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.9", "10.0.0.1");

        Assert.Equal(["10.0.0.9"], Text(Cache(resolver).Lookup(Logical)));
    }

    [Fact]
    public void Lookup_OfAnUnresolvableName_IsEmpty_AndRecordsWhy()
    {
        var cache = Cache(new TableResolver());

        Assert.Empty(cache.Lookup(Strict));
        Assert.NotNull(Assert.Single(cache.Answers).Value.Error);
    }

    [Fact]
    public async Task Refresh_NewAddresses_ReplaceTheOld_AndReportAChange()
    {
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.1");
        var cache = Cache(resolver);
        cache.Lookup(Strict);

        resolver.Set("api.example.test", "10.0.0.2", "10.0.0.3");

        Assert.True(await cache.RefreshAsync(CancellationToken.None));
        Assert.Equal(["10.0.0.2", "10.0.0.3"], Text(cache.Lookup(Strict)));
    }

    [Fact]
    public async Task Refresh_SameAddressesInAnotherOrder_IsNoChange()
    {
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.1", "10.0.0.2");
        var cache = Cache(resolver);
        cache.Lookup(Strict);

        resolver.Set("api.example.test", "10.0.0.2", "10.0.0.1");

        Assert.False(await cache.RefreshAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Refresh_OfLogicalDns_ChangesOnlyWhenTheFirstAddressChanges()
    {
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.1", "10.0.0.2");
        var cache = Cache(resolver);
        cache.Lookup(Logical);

        resolver.Set("api.example.test", "10.0.0.1", "10.0.0.7");
        Assert.False(await cache.RefreshAsync(CancellationToken.None));

        resolver.Set("api.example.test", "10.0.0.2", "10.0.0.1");
        Assert.True(await cache.RefreshAsync(CancellationToken.None));
        Assert.Equal(["10.0.0.2"], Text(cache.Lookup(Logical)));
    }

    [Fact]
    public async Task Refresh_ThatFails_KeepsTheLastGoodAddresses_AndIsNoChange()
    {
        var resolver = new TableResolver().Set("api.example.test", "10.0.0.1");
        var cache = Cache(resolver);
        cache.Lookup(Strict);

        resolver.Remove("api.example.test");

        Assert.False(await cache.RefreshAsync(CancellationToken.None));
        Assert.Equal(["10.0.0.1"], Text(cache.Lookup(Strict)));
        Assert.NotNull(Assert.Single(cache.Answers).Value.Error);

        resolver.Set("api.example.test", "10.0.0.1");
        Assert.False(await cache.RefreshAsync(CancellationToken.None)); // back, same address: nothing to rebuild
        Assert.Null(Assert.Single(cache.Answers).Value.Error);
    }

    [Fact]
    public async Task Refresh_OfANameThatNeverResolved_ReportsAChangeWhenItFirstDoes()
    {
        var resolver = new TableResolver();
        var cache = Cache(resolver);
        Assert.Empty(cache.Lookup(Strict));

        resolver.Set("api.example.test", "10.0.0.4");

        Assert.True(await cache.RefreshAsync(CancellationToken.None));
        Assert.Equal(["10.0.0.4"], Text(cache.Lookup(Strict)));
    }

    [Fact]
    public async Task Retain_DropsNamesNoLongerUsed_SoTheyAreNotRefreshed()
    {
        var resolver = new TableResolver().Set("a.test", "10.0.0.1").Set("b.test", "10.0.0.2");
        var cache = Cache(resolver);
        cache.Lookup(new DnsQuery("a.test", false));
        cache.Lookup(new DnsQuery("b.test", false));

        cache.Retain(new HashSet<DnsQuery> { new("a.test", false) });
        var before = resolver.Lookups;
        await cache.RefreshAsync(CancellationToken.None);

        Assert.Equal("a.test", Assert.Single(cache.Answers).Key.Name);
        Assert.Equal(before + 1, resolver.Lookups);
    }
}
