using CsCheck;
using Engine.Routing;
using Engine.Upstream;

namespace Engine.Tests.Routing;

/// <summary>
/// The routing automaton against the naive in-order matcher (Istio's definition: the first rule
/// whose any match entry holds) on generated rule sets and requests: prefixes that are prefixes of
/// each other, exact vs prefix on the same string, ignoreUriCase, regexes with and without a
/// literal prefix, paths with queries, header and query conditions.
/// </summary>
public sealed class RouteAutomatonDifferentialTests
{
    private static readonly string[] Paths = ["/", "/a", "/a/", "/a/b", "/ab", "/A", "/A/b", "/api", "/api/v1", "/api/v1/users", "/API/V1", "/x", "/x/y/z", "/users/42", "/users/x"];
    private static readonly string[] Queries = ["", "?q=1", "?v=2&q=3", "?v", "?a/b"];
    private static readonly string[] Regexes = ["/a.*", "/api/v[0-9]+", "/users/[0-9]+", "/a(b|/b)", "(?i)/api.*", "/a+", "^/x.*", "/ab?", ".*", "/[a-z]+"];
    private static readonly string[] HeaderNames = ["x-a", "x-b"];
    private static readonly string[] HeaderValues = ["1", "12", "abc", ""];

    private static readonly Gen<ByteMatcher?> UriGen = Gen.Int[0, 4].SelectMany(kind => kind switch
    {
        0 => Gen.Const((ByteMatcher?)null),
        1 => Gen.Select(Gen.OneOf(Paths), Gen.Bool, (p, ci) => (ByteMatcher?)ByteMatcher.Exact(p, ci)),
        2 => Gen.Select(Gen.OneOf(Paths), Gen.Bool, (p, ci) => (ByteMatcher?)ByteMatcher.Prefix(p, ci)),
        3 => Gen.OneOf(Regexes).Select(r => (ByteMatcher?)ByteMatcher.Regex(r)),
        _ => Gen.OneOf("/a?q", "/api/v1?").Select(p => (ByteMatcher?)ByteMatcher.Prefix(p)),
    });

    private static readonly Gen<ByteMatcher> ValueGen = Gen.Int[0, 3].SelectMany(kind => kind switch
    {
        0 => Gen.OneOf(HeaderValues).Select(v => ByteMatcher.Exact(v)),
        1 => Gen.OneOf("1", "a", "").Select(v => ByteMatcher.Prefix(v)),
        2 => Gen.OneOf("[0-9]+", "a.*").Select(ByteMatcher.Regex),
        _ => Gen.Const(ByteMatcher.Present()),
    });

    private static readonly Gen<MatchCondition> ConditionGen =
        Gen.Select(
            UriGen,
            Gen.Select(Gen.OneOf(HeaderNames), ValueGen, Gen.Bool, (n, m, invert) => new HeaderCondition(n, m, invert)).Array[0, 2],
            Gen.Select(Gen.OneOf("q", "v"), ValueGen, (n, m) => new QueryCondition(n, m)).Array[0, 1],
            Gen.OneOf<ByteMatcher?>(null, null, ByteMatcher.Exact("GET"), ByteMatcher.Exact("POST")),
            (uri, headers, query, method) => new MatchCondition { Uri = uri, Headers = headers, QueryParams = query, Method = method });

    private static readonly Gen<RouteRule[]> RulesGen =
        ConditionGen.Array[0, 3].Array[1, 25].Select(rules => rules
            .Select((matches, i) => new RouteRule($"r{i}", i, matches, new RouteAction([])))
            .ToArray());

    private static readonly Gen<(string Method, string Path, (string, string)[] Headers)> RequestGen =
        Gen.Select(
            Gen.OneOf("GET", "POST"),
            Gen.Select(Gen.OneOf(Paths), Gen.OneOf(Queries), (p, q) => p + q),
            Gen.Select(Gen.OneOf(HeaderNames), Gen.OneOf(HeaderValues), (n, v) => (n, v)).Array[0, 3]);

    [Fact]
    public void Automaton_AgreesWithTheInOrderMatcher()
    {
        Gen.Select(RulesGen, RequestGen.Array[1, 12]).Sample((rules, requests) =>
        {
            var vhost = new VirtualHost("test", ["test"], rules, fromVirtualService: true);
            foreach (var (method, path, headers) in requests)
            {
                var head = RequestHeads.Parse(method, "test", path, headers);
                var view = new RequestView(head, 80, new byte[1024]);
                var expected = vhost.MatchInOrder(view);
                var actual = vhost.Automaton.Match(view);
                if (!ReferenceEquals(expected.Rule, actual.Rule) || (expected.Rule is not null && expected.MatchIndex != actual.MatchIndex))
                {
                    return false;
                }
            }

            return true;
        }, iter: 3000);
    }

    [Fact]
    public void Automaton_FirstMatchWins_EvenWhenALaterRuleIsMoreSpecific()
    {
        var general = new RouteRule("general", 0, [new MatchCondition { Uri = ByteMatcher.Prefix("/api") }], new RouteAction([]));
        var specific = new RouteRule("specific", 1, [new MatchCondition { Uri = ByteMatcher.Exact("/api/v1") }], new RouteAction([]));
        var vhost = new VirtualHost("t", ["t"], [general, specific], true);

        var (rule, _) = vhost.Automaton.Match(new RequestView(RequestHeads.Parse("GET", "t", "/api/v1"), 80));

        Assert.Same(general, rule);
    }

    [Fact]
    public void Automaton_PrefixMatchesThePathWithItsQuery_ExactAndRegexWithout()
    {
        var prefixWithQuery = new RouteRule("pq", 0, [new MatchCondition { Uri = ByteMatcher.Prefix("/a?x") }], new RouteAction([]));
        var exact = new RouteRule("exact", 1, [new MatchCondition { Uri = ByteMatcher.Exact("/a") }], new RouteAction([]));
        var vhost = new VirtualHost("t", ["t"], [prefixWithQuery, exact], true);

        Assert.Same(prefixWithQuery, vhost.Automaton.Match(new RequestView(RequestHeads.Parse("GET", "t", "/a?x=1"), 80)).Rule);
        Assert.Same(exact, vhost.Automaton.Match(new RequestView(RequestHeads.Parse("GET", "t", "/a?y=1"), 80)).Rule);
    }

    [Fact]
    public void Automaton_ManyRules_MatchAllocatesNothing()
    {
        var rules = Enumerable.Range(0, 1000)
            .Select(i => new RouteRule($"r{i}", i, [new MatchCondition { Uri = ByteMatcher.Prefix($"/svc{i}/") }], new RouteAction([])))
            .ToArray();
        var vhost = new VirtualHost("t", ["t"], rules, true);
        var head = RequestHeads.Parse("GET", "t", "/svc500/items?id=1");
        var scratch = new byte[1024];
        vhost.Automaton.Match(new RequestView(head, 80, scratch)); // warm

        var before = GC.GetAllocatedBytesForCurrentThread();
        RouteRule? found = null;
        for (var i = 0; i < 1000; i++)
        {
            found = vhost.Automaton.Match(new RequestView(head, 80, scratch)).Rule;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Same(rules[500], found);
    }
}
