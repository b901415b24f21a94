using Engine.IntegrationTests.Infrastructure;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// What every drill starts with: a healthy <c>good</c> echo upstream, the proxy binary routing it
/// (plus the drill's own services), bystanders using <c>good</c> throughout, and the proxy's
/// descriptor count before the trouble. <see cref="AssertOthersServedAndReleasedAsync"/> is how
/// every drill ends.
/// </summary>
internal sealed class Drill : IAsyncDisposable
{
    private readonly Upstreams _good;
    private readonly int[] _pooledTo;
    private readonly int _baseline;

    private Drill(Upstreams good, DrillProxy proxy, Bystanders bystanders, int[] pooledTo)
    {
        _good = good;
        Proxy = proxy;
        Bystanders = bystanders;
        _pooledTo = pooledTo;
        _baseline = proxy.HeldDescriptors(pooledTo);
    }

    public DrillProxy Proxy { get; }

    public Bystanders Bystanders { get; }

    /// <summary>
    /// Starts the drill with <paramref name="services"/> besides <c>good</c>. Idle pooled connections
    /// to <c>good</c> and to <paramref name="alsoHealthy"/> ports are the pool's, not leaks.
    /// </summary>
    public static async Task<Drill> StartAsync((string Name, int Port)[] services, params int[] alsoHealthy)
    {
        var good = await Upstreams.StartAsync("good");
        var proxy = await DrillProxy.StartAsync([("good", good.PortOf("good")), .. services]);
        var bystanders = await Bystanders.StartAsync(proxy.Endpoint, "good");
        return new Drill(good, proxy, bystanders, [good.PortOf("good"), .. alsoHealthy]);
    }

    /// <summary>Every bystander request succeeded, and the proxy gave back what the drill made it take.</summary>
    public async Task AssertOthersServedAndReleasedAsync(int timeoutMs = 30_000)
    {
        await Bystanders.StopAndAssertAllServedAsync();
        await Proxy.WaitForReleaseAsync(_baseline, _pooledTo, timeoutMs: timeoutMs);
        Assert.False(Proxy.HasExited, "the proxy died:\n" + Proxy.Output);
    }

    public async ValueTask DisposeAsync()
    {
        await Bystanders.DisposeAsync();
        await Proxy.DisposeAsync();
        await _good.DisposeAsync();
    }
}
