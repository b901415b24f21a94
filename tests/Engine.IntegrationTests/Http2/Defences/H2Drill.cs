using Engine.Echo;
using Engine.IntegrationTests.Drills;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;

namespace Engine.IntegrationTests.Http2.Defences;

/// <summary>
/// A failure drill (the shipped binary, <c>good</c> with HTTP/1.1 bystanders) for HTTP/2 attacks:
/// it adds h2c bystanders of <c>good</c> and a <c>victim</c> echo upstream that only the attacker
/// uses, so its request count is exactly the work the attack made the proxy do.
/// </summary>
internal sealed class H2Drill : IAsyncDisposable
{
    private readonly Upstreams _victim;
    private readonly Drill _drill;

    private H2Drill(Upstreams victim, Drill drill, Bystanders h2Bystanders)
    {
        _victim = victim;
        _drill = drill;
        H2Bystanders = h2Bystanders;
    }

    public DrillProxy Proxy => _drill.Proxy;

    /// <summary>The upstream only the attacker's requests reach (<see cref="VictimAuthority"/>).</summary>
    public EchoServer Victim => _victim["victim"];

    public const string VictimAuthority = "victim:8080";

    public int VictimPort => _victim.PortOf("victim");

    public Bystanders H2Bystanders { get; }

    public static async Task<H2Drill> StartAsync()
    {
        var victim = await Upstreams.StartAsync("victim");
        var port = victim.PortOf("victim");
        var drill = await Drill.StartAsync([("victim", port)], port);
        var h2 = await Bystanders.StartAsync(drill.Proxy.Endpoint, "good", workers: 2, http2: true);
        return new H2Drill(victim, drill, h2);
    }

    /// <summary>An attacker's connection: preface and SETTINGS exchanged.</summary>
    public Task<RawH2Client> AttackerAsync(params Http2Setting[] settings) => RawH2Client.HandshakeAsync(Proxy.Endpoint, settings);

    /// <summary>
    /// Bystanders of both protocols were all served, a fresh h2c connection still gets the victim's
    /// answer, and the proxy gave back what the attack made it take.
    /// </summary>
    public async Task AssertOthersServedAndReleasedAsync(int timeoutMs = 30_000)
    {
        await H2Bystanders.WaitForMoreAsync(10);
        try
        {
            await H2Bystanders.StopAndAssertAllServedAsync();
        }
        catch (Xunit.Sdk.XunitException e)
        {
            // What the proxy said about it: its access log's flags and any warning name the cause.
            var said = Proxy.Output.Split('\n').Where(line => !line.Contains("\" 200 - ", StringComparison.Ordinal)).TakeLast(40);
            throw new Xunit.Sdk.XunitException($"{e.Message}\nthe proxy's log, apart from requests answered 200:\n{string.Join('\n', said)}");
        }

        var (status, _) = await ProxyH2.GetAsync(Proxy.Endpoint, VictimAuthority);
        Assert.Equal(200, status);
        await _drill.AssertOthersServedAndReleasedAsync(timeoutMs);
    }

    public async ValueTask DisposeAsync()
    {
        await H2Bystanders.DisposeAsync();
        await _drill.DisposeAsync();
        await _victim.DisposeAsync();
    }
}
