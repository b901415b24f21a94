using System.Net;
using Engine.Upstream.Dns;

namespace Engine.Tests.Upstream.Dns;

/// <summary>
/// The TTL of a name, asked of real name servers (a fake one on loopback): resolv.conf's search
/// list and ndots decide the names asked and their order; a truncated UDP answer is asked again
/// over TCP; a silent server means no TTL.
/// </summary>
public sealed class DnsTtlProbeTests
{
    private static ResolverConfig Config(FakeDnsServer server, params string[] search)
        => new([server.Endpoint], search, Ndots: 1, Timeout: TimeSpan.FromSeconds(2), Attempts: 1);

    [Fact]
    public async Task TheRecordsTtl_OfTheFirstNameOfTheSearchListThatExists()
    {
        using var server = new FakeDnsServer();
        server.Ttls["reviews.prod.svc.cluster.local"] = 17; // "reviews.prod" under the search domain "svc.cluster.local"
        var probe = new DnsTtlProbe(Config(server, "default.svc.cluster.local", "prod.svc.cluster.local", "svc.cluster.local"));

        var ttl = await probe.TtlAsync("reviews.prod", CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(17), ttl);
        // One dot meets ndots 1: the name as given first, then the search list, up to the one that exists.
        Assert.Equal(["reviews.prod", "reviews.prod.default.svc.cluster.local", "reviews.prod.prod.svc.cluster.local", "reviews.prod.svc.cluster.local"], server.Asked.ToArray());
    }

    [Fact]
    public async Task AnAnswerTruncatedOverUdp_IsAskedAgainOverTcp()
    {
        using var server = new FakeDnsServer();
        server.Ttls["headless.prod.svc.cluster.local"] = 23;
        server.Truncated["headless.prod.svc.cluster.local"] = 0; // too many endpoints for a datagram

        var ttl = await new DnsTtlProbe(Config(server)).TtlAsync("headless.prod.svc.cluster.local", CancellationToken.None);

        Assert.Equal(TimeSpan.FromSeconds(23), ttl);
        Assert.Equal(["headless.prod.svc.cluster.local"], server.AskedOverTcp.ToArray());
    }

    [Fact]
    public async Task AServerThatDoesNotAnswer_GivesNoTtl()
    {
        using var server = new FakeDnsServer { Silent = true };
        server.Ttls["api.example.com"] = 30;

        Assert.Null(await new DnsTtlProbe(Config(server)).TtlAsync("api.example.com", CancellationToken.None));
    }

    [Fact]
    public async Task ANameNoServerKnows_GivesNoTtl()
    {
        using var server = new FakeDnsServer();

        Assert.Null(await new DnsTtlProbe(Config(server, "example.com")).TtlAsync("nowhere", CancellationToken.None));
    }

    [Fact]
    public void ResolvConf_ServersSearchAndOptions()
    {
        var config = ResolverConfig.Parse("""
            # generated
            nameserver 10.96.0.10
            nameserver fd00::a
            search default.svc.cluster.local svc.cluster.local cluster.local
            options ndots:5 timeout:2 attempts:3 rotate
            """)!;

        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.96.0.10"), 53), new IPEndPoint(IPAddress.Parse("fd00::a"), 53)], config.Servers);
        Assert.Equal(5, config.Ndots);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Timeout);
        Assert.Equal(3, config.Attempts);
        // Fewer dots than ndots: the search list first, the name as given last; a trailing dot: only it.
        Assert.Equal(["api.example.com.default.svc.cluster.local", "api.example.com.svc.cluster.local", "api.example.com.cluster.local", "api.example.com"], config.Candidates("api.example.com"));
        Assert.Equal(["api.example.com."], config.Candidates("api.example.com."));
        Assert.Null(ResolverConfig.Parse("search example.com\n"));
    }

    [Fact]
    public void HostsFile_NamesAndAliases_NotAddressesOrComments()
    {
        var names = HostsFile.Names("""
            127.0.0.1	localhost
            ::1     localhost ip6-localhost ip6-loopback  # loopback
            # 10.0.0.9 commented.example
            10.1.2.3 db.internal db
            """);

        Assert.Equal(["db", "db.internal", "ip6-localhost", "ip6-loopback", "localhost"], names.Order(StringComparer.Ordinal));
        Assert.Contains("LOCALHOST", names); // case-insensitive, as the resolver reads it
    }
}
