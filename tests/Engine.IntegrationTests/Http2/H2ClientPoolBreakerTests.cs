using System.Net;
using Engine.Http2.Client;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Transport;
using Engine.Upstream;
using Engine.Upstream.Resilience;

namespace Engine.IntegrationTests.Http2;

/// <summary>
/// The HTTP/2 pool's accounting on the cluster's circuit breaker, against a real Kestrel server:
/// every connection holds a maxConnections slot until it ends (a failed connect gives it back at
/// once), and every request that waited for a stream gives its pending place back however the
/// wait ended. A slot or place that leaked would shrink the cluster's limits for good.
/// </summary>
public sealed class H2ClientPoolBreakerTests
{
    private static Http2ClientPool Pool(IPEndPoint endpoint, ClusterCircuitBreaker breaker, int streamCap = 1)
    {
        var connector = new UpstreamConnector(SocketTransports.CreateUpstreamFactory(new TransportSettings()));
        return new Http2ClientPool(endpoint, connector, UpstreamPoolSettings.Default with { MaxConcurrentStreams = streamCap }, breaker: breaker);
    }

    private static ClusterCircuitBreaker Breaker(long maxConnections, long maxPending)
        => new(CircuitBreakerThresholds.Default with { MaxConnections = maxConnections, MaxPendingRequests = maxPending });

    [Fact]
    public async Task Connections_HoldTheirSlotsUntilTheyEnd()
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        var breaker = Breaker(maxConnections: 5, maxPending: 100);
        var pool = Pool(kestrel.Endpoint, breaker);

        var held = Enumerable.Range(0, 3).Select(_ => H2Calls.SendAsync(pool, H2Calls.Request("GET", "/gate", "localhost"))).ToArray();
        await WaitFor.ConditionAsync(() => kestrel.InGate == 3, because: "each request reaches the server on a connection of its own");
        Assert.Equal(3, breaker.Connections);
        Assert.Equal(3, pool.OpenConnections);
        kestrel.OpenGate();
        Assert.All(await Task.WhenAll(held), r => Assert.Equal("passed", r.Text));
        Assert.Equal(3, breaker.Connections); // idle, still open

        await pool.DisposeAsync();
        Assert.Equal(0, breaker.Connections);
        Assert.Equal(0, pool.OpenConnections);
        Assert.Equal(0, breaker.PendingRequests);
    }

    [Fact]
    public async Task FailedConnect_GivesItsSlotAndPendingPlaceBack()
    {
        var breaker = Breaker(maxConnections: 1, maxPending: 1);
        using var refusing = new RefusingPort();
        await using var pool = Pool(new IPEndPoint(IPAddress.Loopback, refusing.Port), breaker);

        var first = await pool.OpenStreamAsync();
        var second = await pool.OpenStreamAsync();

        Assert.Equal(ConnectOutcome.Refused, first.Outcome);
        Assert.Equal(ConnectOutcome.Refused, second.Outcome); // not AtLimit: the first slot came back
        Assert.Equal(0, breaker.Connections);
        Assert.Equal(0, breaker.PendingRequests);
        Assert.Equal(0, breaker.ConnectionOverflows);
    }

    [Fact]
    public async Task PendingRequests_AreCountedWhileTheyWait_AndOverflowPastTheLimit()
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        var breaker = Breaker(maxConnections: 1, maxPending: 1);
        await using var pool = Pool(kestrel.Endpoint, breaker);
        var first = H2Calls.SendAsync(pool, H2Calls.Request("GET", "/gate", "localhost"));
        await WaitFor.ConditionAsync(() => kestrel.InGate == 1, because: "the first request holds the only stream");

        using var giveUp = new CancellationTokenSource();
        var waiting = pool.OpenStreamAsync(giveUp.Token).AsTask();
        await WaitFor.ConditionAsync(() => breaker.PendingRequests == 1, because: "the second request waits for the stream");
        var refused = await pool.OpenStreamAsync();
        Assert.Equal(ConnectOutcome.Overflow, refused.Outcome);
        Assert.True(breaker.ConnectionOverflows >= 1, "the waiting request found the cluster at maxConnections");

        giveUp.Cancel();
        Assert.Equal(ConnectOutcome.TimedOut, (await waiting).Outcome);
        Assert.Equal(0, breaker.PendingRequests);
        kestrel.OpenGate();
        Assert.Equal("passed", (await first).Text);
        Assert.Equal(1, breaker.Connections);
    }
}
