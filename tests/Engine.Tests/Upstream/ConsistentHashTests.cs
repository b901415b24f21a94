using System.Net;
using System.Text;
using Engine.Config.Model;
using Engine.Routing.Policies;
using Engine.Tests.Routing;
using Engine.Upstream;
using Engine.Upstream.LoadBalancing;

namespace Engine.Tests.Upstream;

/// <summary>The ring, the Maglev table, the balancer over them and the hash keys of a request.</summary>
public sealed class ConsistentHashTests
{
    private static readonly ulong[] Keys = Enumerable.Range(0, 30_000).Select(i => StableHash.Of($"key-{i}")).ToArray();

    public static TheoryData<string> Tables => new() { "ring", "maglev" };

    private static IHashTable Build(string kind, Endpoint[] endpoints)
        => kind == "ring" ? new HashRing(endpoints, HashRing.DefaultMinimumSize) : new MaglevTable(endpoints, MaglevTable.DefaultSize);

    private static int[] Shares(IHashTable table, int endpoints)
    {
        var counts = new int[endpoints];
        foreach (var key in Keys)
        {
            counts[table.Lookup(key, 0)]++;
        }

        return counts;
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void Keys_SpreadOverEveryEndpoint(string kind)
    {
        var shares = Shares(Build(kind, BalancerTests.Endpoints(5)), 5);

        // 6,000 each if perfectly even; a 1,024-point ring is within ~10%, Maglev within ~1%.
        Assert.All(shares, s => Assert.InRange(s, kind == "ring" ? 4_800 : 5_700, kind == "ring" ? 7_200 : 6_300));
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void Weights_ScaleTheShares(string kind)
    {
        var shares = Shares(Build(kind, BalancerTests.Endpoints(3, 1, 1, 2)), 3);

        // 7,500 / 7,500 / 15,000 expected.
        Assert.InRange(shares[2] / (double)(shares[0] + shares[1]), 0.8, 1.25);
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void ATableForOneEndpointFewer_MovesFewOtherKeys(string kind)
    {
        // A configuration change: the table is rebuilt for the endpoints left. The ring's points
        // per endpoint grow with the smaller set, and Maglev refills its table, so a few other
        // keys move too (as in Envoy); hash-modulo-N would move ~80% of them.
        var endpoints = BalancerTests.Endpoints(5);
        var remaining = endpoints.Where((_, i) => i != 2).ToArray();
        var before = Build(kind, endpoints);
        var after = Build(kind, remaining);

        var moved = Keys.Count(key => endpoints[before.Lookup(key, 0)] is var was && !ReferenceEquals(was, endpoints[2]) && !ReferenceEquals(was, remaining[after.Lookup(key, 0)]));

        Assert.InRange(moved, 0, Keys.Length / 5);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnEjectedEndpoint_LendsOutItsKeys_AndOnlyThose(bool maglev)
    {
        var all = BalancerTests.Endpoints(5);
        var balancer = new ConsistentHashBalancer(all, SharedRandomSource.Instance, maglev, 0);
        var healthy = all.Where((_, i) => i != 2).ToArray(); // what the outlier detector hands over

        var lent = 0;
        foreach (var key in Keys)
        {
            var home = all[balancer.Pick(all, key, 0)];
            var now = healthy[balancer.Pick(healthy, key, 0)];
            if (ReferenceEquals(home, all[2]))
            {
                lent++;
            }
            else
            {
                Assert.Same(home, now);
            }
        }

        Assert.InRange(lent, Keys.Length / 10, Keys.Length * 3 / 10); // its fifth of the keys went elsewhere
        Assert.All(Keys.Take(1_000), key => Assert.Same(all[balancer.Pick(all, key, 0)], all[balancer.Pick(all.ToArray(), key, 0)])); // back in: back home
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void TheSameEndpoints_GiveTheSameTable_InAnotherProcess(string kind)
    {
        // StableHash has no per-process seed: two builds (two sidecars) agree key for key.
        var one = Build(kind, BalancerTests.Endpoints(4));
        var two = Build(kind, BalancerTests.Endpoints(4));

        Assert.All(Keys.Take(2_000), key => Assert.Equal(one.Lookup(key, 0), two.Lookup(key, 0)));
    }

    [Fact]
    public void TheHash_IsPinned()
    {
        // Sidecars of two engine versions must agree on a key's endpoint: changing the hash is a
        // breaking change, and this test says so (FNV-1a 64 with MurmurHash3's finaliser).
        Assert.Equal(0x3507d047a67c08f4UL, StableHash.Of("alice"u8));
        Assert.Equal(0xefd01f60ba992926UL, StableHash.Of(""u8));
        Assert.Equal(StableHash.Of("alice"u8), StableHash.Of("alice"));
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void ARetryAttempt_AsksForAnotherEndpoint(string kind)
    {
        var table = Build(kind, BalancerTests.Endpoints(3));

        var differs = Keys.Take(3_000).Count(key => table.Lookup(key, 0) != table.Lookup(key, 1) || table.Lookup(key, 0) != table.Lookup(key, 2));

        Assert.True(differs > 2_500, $"{differs} of 3000 keys found another endpoint within two attempts");
    }

    [Fact]
    public void Ring_SizeFollowsTheMinimum_AndIsClamped()
    {
        Assert.Equal(1_024, new HashRing(BalancerTests.Endpoints(4), 0).Size);
        Assert.Equal(4_096, new HashRing(BalancerTests.Endpoints(4), 4_096).Size);
        Assert.Equal(3, new HashRing(BalancerTests.Endpoints(3), 1).Size); // at least one point each
        Assert.Equal(7, new MaglevTable(BalancerTests.Endpoints(3), 7).Size);
    }

    [Fact]
    public void Balancer_IsRandomWithoutAKey_AndHasNothingToPickFromNothing()
    {
        var all = BalancerTests.Endpoints(3);
        var balancer = new ConsistentHashBalancer(all, new ScriptedRandom(2), maglev: false, 0);

        Assert.Equal(2, balancer.Pick(all)); // no key: the random source decides
        Assert.Equal(-1, balancer.Pick([], Keys[0], 0));
    }

    [Fact]
    public void Header_IsCaseInsensitive_AndJoinsItsLines()
    {
        var policy = HashPolicy.From(new ConsistentHashLb { HttpHeaderName = "X-User" })!;

        var one = policy.Compute(RequestHeads.Parse("GET", "svc", "/", ("x-user", "alice")), null, out var setCookie);
        var again = policy.Compute(RequestHeads.Parse("GET", "svc", "/other", ("X-USER", "alice")), null, out _);
        var joined = policy.Compute(RequestHeads.Parse("GET", "svc", "/", ("x-user", "alice"), ("x-user", "bob")), null, out _);

        Assert.NotNull(one);
        Assert.Null(setCookie);
        Assert.Equal(one, again);
        Assert.Equal(StableHash.Of("alice,bob"u8), joined);
        Assert.Null(policy.Compute(RequestHeads.Parse("GET", "svc", "/"), null, out _));
    }

    [Theory]
    [InlineData("user=alice", "alice")]
    [InlineData("user=\"alice\"", "alice")]
    [InlineData("theme=dark;user=alice", "alice")]
    [InlineData("theme=dark;   user=alice; other=1", "alice")]
    [InlineData("user2=bob; user=alice", "alice")]
    [InlineData("xuser=bob; user=alice; user=carol", "alice")]
    [InlineData("user=", "")]
    public void Cookie_IsFoundByName(string cookieLine, string expected)
    {
        var head = RequestHeads.Parse("GET", "svc", "/", ("cookie", "a=b"), ("cookie", cookieLine));

        Assert.True(HashPolicy.TryFindCookie(head, "user"u8, out var value));
        Assert.Equal(expected, Encoding.ASCII.GetString(value));
    }

    [Fact]
    public void Cookie_Absent_IsGeneratedOnlyWithATtl()
    {
        var client = new IPEndPoint(IPAddress.Parse("10.1.2.3"), 40000);
        var head = RequestHeads.Parse("GET", "svc", "/", ("cookie", "other=1"));
        var noTtl = HashPolicy.From(new ConsistentHashLb { HttpCookie = new HttpCookie { Name = "s" } })!;
        var withTtl = HashPolicy.From(new ConsistentHashLb
        {
            HttpCookie = new HttpCookie { Name = "s", Path = "/", Ttl = TimeSpan.FromMinutes(5), Attributes = [new HttpCookieAttribute { Name = "SameSite", Value = "Lax" }, new HttpCookieAttribute { Name = "Secure" }] },
        })!;

        Assert.Null(noTtl.Compute(head, client, out var none));
        Assert.Null(none);

        var hash = withTtl.Compute(head, client, out var setCookie);
        Assert.Matches("^s=\"([0-9a-f]{16})\"; Max-Age=300; Path=/; SameSite=Lax; Secure; HttpOnly$", setCookie);

        // The client sends it back: the same hash, so the same endpoint.
        var value = setCookie!.Split('"')[1];
        Assert.Equal(hash, withTtl.Compute(RequestHeads.Parse("GET", "svc", "/", ("cookie", $"s={value}")), client, out var again));
        Assert.Null(again);

        // Another connection of the client gets another value (Envoy hashes the address and port).
        withTtl.Compute(head, new IPEndPoint(client.Address, 40001), out var other);
        Assert.NotEqual(setCookie, other);
    }

    [Fact]
    public void QueryParameter_TakesTheFirstOccurrence()
    {
        var policy = HashPolicy.From(new ConsistentHashLb { HttpQueryParameterName = "s" })!;

        Assert.Equal(StableHash.Of("1"u8), policy.Compute(RequestHeads.Parse("GET", "svc", "/p?a=0&s=1&s=2"), null, out _));
        Assert.Equal(StableHash.Of(""u8), policy.Compute(RequestHeads.Parse("GET", "svc", "/p?s"), null, out _));
        Assert.Null(policy.Compute(RequestHeads.Parse("GET", "svc", "/p?ss=1"), null, out _));
    }

    [Fact]
    public void SourceIp_IgnoresThePort_AndTheIPv4Mapping()
    {
        var policy = HashPolicy.From(new ConsistentHashLb { UseSourceIp = true })!;
        var head = RequestHeads.Parse("GET", "svc", "/");

        var v4 = policy.Compute(head, new IPEndPoint(IPAddress.Parse("10.0.0.9"), 1000), out _);

        Assert.NotNull(v4);
        Assert.Equal(v4, policy.Compute(head, new IPEndPoint(IPAddress.Parse("10.0.0.9"), 2000), out _));
        Assert.Equal(v4, policy.ForConnection(new IPEndPoint(IPAddress.Parse("::ffff:10.0.0.9"), 3000)));
        Assert.NotEqual(v4, policy.Compute(head, new IPEndPoint(IPAddress.Parse("10.0.0.10"), 1000), out _));
    }

    [Fact]
    public void NoKey_NoPolicy()
    {
        Assert.Null(HashPolicy.From(new ConsistentHashLb { RingHash = new RingHash { MinimumRingSize = 64 } }));
        Assert.Null(HashPolicy.From(new ConsistentHashLb { UseSourceIp = false }));
        Assert.Null(HashPolicy.From(null));
    }

    [Fact]
    public void Retries_AvoidPreviousHosts_UnlessTheClusterHashes()
    {
        var byDefault = RetryPolicy.IstioDefault;
        var explicitTrue = byDefault with { ExplicitAvoidPreviousHosts = true };
        var explicitFalse = byDefault with { AvoidPreviousHosts = false, ExplicitAvoidPreviousHosts = false };

        Assert.True(byDefault.AvoidsPreviousHosts(hashing: false));
        Assert.False(byDefault.AvoidsPreviousHosts(hashing: true));
        Assert.True(explicitTrue.AvoidsPreviousHosts(hashing: true));
        Assert.False(explicitFalse.AvoidsPreviousHosts(hashing: false));
        Assert.False(explicitFalse.AvoidsPreviousHosts(hashing: true));
    }
}
