using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Http;
using Engine.Routing;

namespace Engine.Benchmarks.Routing;

/// <summary>
/// <see cref="RouteTable.Match"/> with 10, 1,000 and 10,000 rules (DESIGN.md: matching cost must
/// grow sub-linearly with the number of rules). Two shapes: rules spread over services (10 per
/// host, the usual mesh) and all rules on one host (the worst case for a per-host scan). Three
/// requests: one that hits the host's first rule, one that hits a header rule half-way down, and
/// one that falls through every rule to the catch-all (every regex evaluated) — and that last one
/// again through the in-order reference matcher, to show what the compiled automaton saves.
/// </summary>
[MemoryDiagnoser]
public class RouteMatchBenchmarks
{
    private readonly byte[] _scratch = new byte[16 * 1024];
    private RouteTable _table = RouteTable.Empty;
    private HttpRequestHead _first = new();
    private HttpRequestHead _middle = new();
    private HttpRequestHead _fallthrough = new();
    private VirtualHost _host = null!;

    [Params(10, 1_000, 10_000)]
    public int Rules { get; set; }

    [Params(false, true)]
    public bool SingleHost { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _table = RouteTables.Build(Rules, SingleHost);

        // Aim at the last host (no advantage from dictionary order) or the only one.
        var host = SingleHost ? 0 : Math.Max(1, Rules / RouteTables.RulesPerService) - 1;
        var name = RouteTables.HostName(host);
        var perHost = SingleHost ? Rules : RouteTables.RulesPerService;

        var first = RouteTables.GlobalIndex(Rules, SingleHost, host, 0);

        // A header rule (kind 7) half-way down the host's list.
        var middleIndex = ((perHost / 2 / RouteTables.RulesPerService) * RouteTables.RulesPerService) + 7;
        var middle = RouteTables.GlobalIndex(Rules, SingleHost, host, middleIndex);

        _first = Requests.ParseRequest($"GET /api/v1/svc{first}/products/7 HTTP/1.1\r\nHost: {name}\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n");
        _middle = Requests.ParseRequest($"GET /svc{middle}/reviews/7 HTTP/1.1\r\nHost: {name}\r\nUser-Agent: bench\r\nAccept: */*\r\nend-user: user-{middle}\r\n\r\n");
        _fallthrough = Requests.ParseRequest($"GET /nothing/matches/here HTTP/1.1\r\nHost: {name}\r\nUser-Agent: bench\r\nAccept: */*\r\nx-tenant: tenant-7-abc\r\n\r\n");

        _host = _table.FindVirtualHost(System.Text.Encoding.ASCII.GetBytes(name)) ?? throw new InvalidOperationException("no virtual host");
        Check(_first, 0);
        Check(_middle, middleIndex);
        Check(_fallthrough, perHost - 1);
    }

    [Benchmark(Baseline = true)]
    public int FirstRule() => Match(_first);

    [Benchmark]
    public int HeaderRuleHalfway() => Match(_middle);

    [Benchmark]
    public int FallThroughToCatchAll() => Match(_fallthrough);

    /// <summary>
    /// The reference semantics (every rule in order, <see cref="VirtualHost.MatchInOrder"/>) on the
    /// fall-through request: what the compiled automaton saves.
    /// </summary>
    [Benchmark]
    public int FallThrough_InOrderReference() => _host.MatchInOrder(new RequestView(_fallthrough, 80, _scratch)).Rule?.Index ?? -1;

    private int Match(HttpRequestHead head)
    {
        var result = _table.Match(new RequestView(head, 80, _scratch));
        return result.Rule?.Index ?? -1;
    }

    private void Check(HttpRequestHead head, int expected)
    {
        var got = Match(head);
        if (got != expected)
        {
            throw new InvalidOperationException($"route table built wrong: expected rule {expected}, matched {got}");
        }
    }
}
