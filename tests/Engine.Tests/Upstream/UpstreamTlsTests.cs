using System.Net;
using Engine.Config.Model;
using Engine.Transport;
using Engine.Upstream;
using Engine.Upstream.Tls;

namespace Engine.Tests.Upstream;

/// <summary>How a cluster's <c>tls</c> becomes its connections' TLS, and how it keys the pools.</summary>
public sealed class UpstreamTlsTests
{
    private static readonly IPEndPoint Address = new(IPAddress.Loopback, 443);

    [Fact]
    public void For_ModesThatOriginateNothing_AreNull()
    {
        var builder = new UpstreamTlsBuilder();
        Assert.Null(builder.For(null, "api.example.com"));
        Assert.Null(builder.For(new ClientTlsSettings { Mode = TlsMode.Disable }, "api.example.com"));
        Assert.Null(builder.For(new ClientTlsSettings { Mode = TlsMode.IstioMutual }, "api.example.com")); // warned at validation: plaintext
    }

    [Fact]
    public void For_Sni_IsTheRulesElseTheHost_NeverAWildcard()
    {
        var builder = new UpstreamTlsBuilder();
        var byHost = builder.For(new ClientTlsSettings { Mode = TlsMode.Simple }, "api.example.com")!;
        Assert.Equal(("api.example.com", true), (byHost.Sni, byHost.VerifiesHost));

        var explicitSni = builder.For(new ClientTlsSettings { Mode = TlsMode.Simple, Sni = "front.example.com" }, "api.example.com")!;
        Assert.Equal(("front.example.com", false), (explicitSni.Sni, explicitSni.VerifiesHost));
        Assert.Same(explicitSni, explicitSni.ForHost("other.example.com"));

        var wildcard = builder.For(new ClientTlsSettings { Mode = TlsMode.Simple }, "*.example.com")!;
        Assert.Null(wildcard.Sni);
        Assert.Equal("en.example.com", wildcard.ForHost("en.example.com").Sni); // a DYNAMIC_DNS name is its own SNI

        var skip = builder.For(new ClientTlsSettings { Mode = TlsMode.Simple, InsecureSkipVerify = true }, "api.example.com")!;
        Assert.False(skip.VerifiesHost);
    }

    [Fact]
    public void Pools_AreKeyedByTls_AndKeptWhenItIsUnchanged()
    {
        using var pools = new UpstreamPools(new UpstreamConnector(SocketTransports.CreateUpstreamFactory(new TransportSettings())));
        var simple = new ClientTlsSettings { Mode = TlsMode.Simple };
        var plain = UpstreamPoolSettings.Default;
        var tls = plain with { Tls = new UpstreamTlsBuilder().For(simple, "api.example.com") };

        var first = pools.Begin();
        var plainPool = first.Get("outbound|443||api.example.com", Address, plain);
        first.Commit();

        // The same cluster turning TLS on gets a pool of its own: no plaintext connection is reused.
        var second = pools.Begin();
        var tlsPool = second.Get("outbound|443||api.example.com", Address, tls);
        second.Commit();
        Assert.NotSame(plainPool, tlsPool);
        Assert.True(plainPool.IsRetired);

        // A reload with the same TLS (built anew) keeps the pool and its warm connections.
        var third = pools.Begin();
        var again = third.Get("outbound|443||api.example.com", Address, plain with { Tls = new UpstreamTlsBuilder().For(simple, "api.example.com") });
        third.Commit();
        Assert.Same(tlsPool, again);
    }
}
