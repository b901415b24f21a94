using System.Net;
using Engine.Echo;
using Engine.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.IntegrationTests.Dns;

/// <summary>
/// DNS, DNS_ROUND_ROBIN and DYNAMIC_DNS ServiceEntries against the native binary, with names from
/// a hosts file only the engine sees (<see cref="PrivateHostsFile"/>) and two echo upstreams on
/// one port of 127.0.0.2 and 127.0.0.3. The engine re-resolves every second
/// (<c>--dns-refresh-rate 1s</c>); tests poll with a deadline, never sleep.
/// </summary>
public sealed class DnsRefreshTests : IAsyncLifetime
{
    private const string Two = "127.0.0.2";
    private const string Three = "127.0.0.3";

    private readonly PrivateHostsFile _hosts = new();
    private readonly string _configDir = Directory.CreateTempSubdirectory("engine-dns-").FullName;
    private readonly List<EchoServer> _upstreams = [];
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(30) };
    private EngineProcess? _engine;
    private string? _skip;
    private int _port;

    public async Task InitializeAsync()
    {
        _skip = PrivateHostsFile.WhyNotRunnable();
        if (_skip is not null)
        {
            return;
        }

        var upstreamPort = await StartUpstreamsAsync();
        _hosts.Set("moving.dns.test", Two);
        _hosts.Set("failing.dns.test", Two);
        _hosts.Set("both.dns.test", Two, Three);
        _hosts.Set("rr.dns.test", Two, Three);
        _hosts.Set("a.dyn.test", Two);
        _hosts.Set("b.dyn.test", Three);
        _hosts.Set("h2.dyn.test", Three);
        await File.WriteAllTextAsync(Path.Combine(_configDir, "egress.yaml"), $$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: strict}
            spec:
              hosts: [moving.dns.test, failing.dns.test, both.dns.test]
              resolution: DNS
              ports:
              - {number: 80, name: http, protocol: HTTP, targetPort: {{upstreamPort}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: logical}
            spec:
              hosts: [rr.dns.test]
              resolution: DNS_ROUND_ROBIN
              ports:
              - {number: 80, name: http, protocol: HTTP, targetPort: {{upstreamPort}}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: dynamic}
            spec:
              hosts: ["*.dyn.test"]
              resolution: DYNAMIC_DNS
              ports:
              - {number: 80, name: http, protocol: HTTP, targetPort: {{upstreamPort}}}
            """);
        _port = FreePort.Next();
        _engine = EngineProcess.StartNative(_hosts.Launcher, ["run", "--config", _configDir, "--listen", $"127.0.0.1:{_port}", "--admin", "none", "--dns-refresh-rate", "1s"]);
        await _engine.WaitForOutputAsync("ready on");
    }

    /// <summary>Echo servers named by their address, on the same port of 127.0.0.2 and 127.0.0.3 (the port a ServiceEntry's targetPort names).</summary>
    private async Task<int> StartUpstreamsAsync()
    {
        for (var attempt = 0; ; attempt++)
        {
            var first = new EchoServer(Two, NullLoggerFactory.Instance);
            var port = ((IPEndPoint)await first.ListenAsync(new IPEndPoint(IPAddress.Parse(Two), 0))).Port;
            var second = new EchoServer(Three, NullLoggerFactory.Instance);
            try
            {
                await second.ListenAsync(new IPEndPoint(IPAddress.Parse(Three), port));
                _upstreams.Add(first);
                _upstreams.Add(second);
                return port;
            }
            catch (Exception) when (attempt < 5)
            {
                await first.DisposeAsync(); // that port is taken on 127.0.0.3: another one
                await second.DisposeAsync();
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        foreach (var upstream in _upstreams)
        {
            await upstream.DisposeAsync();
        }

        _client.Dispose();
        _hosts.Dispose();
        Directory.Delete(_configDir, recursive: true);
    }

    private async Task<(HttpStatusCode Status, string? ServedBy, string Body)> GetAsync(string host, bool h2c = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_port}/dns") { Headers = { Host = host } };
        if (h2c)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact; // prior knowledge, as curl --http2-prior-knowledge
        }

        using var response = await _client.SendAsync(request);
        var servedBy = response.Headers.TryGetValues("x-served-by", out var values) ? values.Single() : null;
        return (response.StatusCode, servedBy, await response.Content.ReadAsStringAsync());
    }

    private async Task<string?> ServedByAsync(string host)
    {
        var (status, servedBy, body) = await GetAsync(host);
        Assert.True(status == HttpStatusCode.OK, $"{host}: {(int)status} {body}\n{_engine!.Output}");
        return servedBy;
    }

    [SkippableFact]
    public async Task Dns_ReResolvesAfterTheRefreshInterval_AndTrafficMovesToTheNewAddress()
    {
        Skip.If(_skip is not null, _skip);
        Assert.Equal(Two, await ServedByAsync("moving.dns.test"));

        _hosts.Set("moving.dns.test", Three);

        var deadline = Environment.TickCount64 + 15_000;
        while (await ServedByAsync("moving.dns.test") != Three)
        {
            Assert.True(Environment.TickCount64 < deadline, "traffic for moving.dns.test did not move to 127.0.0.3 within 15 s\n" + _engine!.Output);
            await Task.Delay(20); // the poll's pace, not a synchronisation
        }

        Assert.Contains("dns: moving.dns.test resolves to 127.0.0.3 (was 127.0.0.2)", _engine!.Output, StringComparison.Ordinal);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Three, await ServedByAsync("moving.dns.test"));
        }
    }

    [SkippableFact]
    public async Task Dns_FailedReResolution_KeepsTheLastGoodAddress()
    {
        Skip.If(_skip is not null, _skip);
        Assert.Equal(Two, await ServedByAsync("failing.dns.test"));

        _hosts.Set("failing.dns.test"); // gone from the hosts file: getaddrinfo fails

        await _engine!.WaitForOutputAsync("dns: resolving failing.dns.test failed", 15_000);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(Two, await ServedByAsync("failing.dns.test"));
        }
    }

    [SkippableFact]
    public async Task DnsRoundRobin_UsesOneAddress_WhileDnsUsesThemAll()
    {
        Skip.If(_skip is not null, _skip);
        var logical = new HashSet<string?>();
        var strict = new HashSet<string?>();
        for (var i = 0; i < 40; i++)
        {
            logical.Add(await ServedByAsync("rr.dns.test"));
            strict.Add(await ServedByAsync("both.dns.test"));
        }

        Assert.Single(logical);
        Assert.Equal(new[] { Two, Three }, strict.Order(StringComparer.Ordinal).ToArray());
    }

    [SkippableFact]
    public async Task DynamicDns_SendsEachHostToItsOwnAddress_AndAnUnresolvableHostGets503()
    {
        Skip.If(_skip is not null, _skip);

        Assert.Equal(Two, await ServedByAsync("a.dyn.test"));
        Assert.Equal(Three, await ServedByAsync("b.dyn.test:80"));
        Assert.Equal(Two, await ServedByAsync("A.dyn.test"));
        var (status, servedBy, body) = await GetAsync("nowhere.dyn.test");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Null(servedBy);
        Assert.Equal("DNS resolution failure", body);
        await _engine!.WaitForOutputAsync("503 DF");
    }

    [SkippableFact]
    public async Task DynamicDns_OverHttp2_ANewHostIsLookedUpToo()
    {
        Skip.If(_skip is not null, _skip);

        var (status, servedBy, body) = await GetAsync("h2.dyn.test", h2c: true);

        Assert.True(status == HttpStatusCode.OK, body);
        Assert.Equal(Three, servedBy);
    }
}
