using System.Text;

namespace Engine.Routing.Automaton;

/// <summary>
/// The routing automaton of one virtual host: one pass over the path bytes through a trie
/// yields the match entries whose URI condition can hold (prefixes along the path, exacts at its
/// end, regexes under their literal prefix, and entries without a URI condition); the remaining
/// conditions are then checked for those candidates in rule order, and the lowest entry whose
/// conditions all hold wins — Istio's first-match-wins, without trying every rule.
/// </summary>
/// <remarks>
/// Entries are the rules' match blocks flattened in order (rule 0 match 0, rule 0 match 1, rule
/// 1 …), so "lowest entry index" is exactly "first rule, first match". Matching cost is the path
/// length plus the candidates, not the number of rules: see perf/ RouteMatchBenchmarks (10, 1,000
/// and 10,000 rules). Prefixes are matched against the path with its query, exacts and regexes
/// against the path without it, as Envoy does.
/// </remarks>
internal sealed class RouteAutomaton
{
    private const int StackCandidates = 64;

    private readonly Entry[] _entries;
    private readonly PathTrie _caseSensitive;
    private readonly PathTrie? _caseFolded;
    private readonly int[] _always;

    private RouteAutomaton(Entry[] entries, PathTrie caseSensitive, PathTrie? caseFolded, int[] always)
    {
        _entries = entries;
        _caseSensitive = caseSensitive;
        _caseFolded = caseFolded;
        _always = always;
    }

    public static RouteAutomaton Build(IReadOnlyList<RouteRule> rules)
    {
        var entries = new List<Entry>();
        var sensitive = new PathTrie.Builder();
        var folded = new PathTrie.Builder();
        var hasFolded = false;
        var always = new List<int>();
        foreach (var rule in rules)
        {
            if (rule.Matches.Length == 0)
            {
                always.Add(entries.Count);
                entries.Add(new Entry(rule, 0, null));
                continue;
            }

            for (var m = 0; m < rule.Matches.Length; m++)
            {
                var index = entries.Count;
                var condition = rule.Matches[m];
                entries.Add(new Entry(rule, m, condition));
                var uri = condition.Uri;
                switch (uri?.Kind)
                {
                    case StringMatchKind.Exact or StringMatchKind.Prefix when uri.IgnoreCase:
                        hasFolded = true;
                        Add(folded, uri, Encoding.UTF8.GetBytes(uri.Text.ToLowerInvariant()), index);
                        break;
                    case StringMatchKind.Exact or StringMatchKind.Prefix:
                        Add(sensitive, uri, Encoding.UTF8.GetBytes(uri.Text), index);
                        break;
                    case StringMatchKind.Regex:
                        sensitive.AddRegex(Encoding.UTF8.GetBytes(RegexLiteralPrefix.Of(uri.Text)), index);
                        break;
                    default:
                        always.Add(index);
                        break;
                }
            }
        }

        return new RouteAutomaton(entries.ToArray(), sensitive.Build(), hasFolded ? folded.Build() : null, always.ToArray());
    }

    /// <summary>The first rule (and its match entry) whose conditions all hold, or null.</summary>
    public (RouteRule? Rule, int MatchIndex) Match(in RequestView request)
    {
        var head = request.Head;
        var pathAndQuery = head.Span(head.Path);
        var pathLength = head.QueryOffset < 0 ? pathAndQuery.Length : head.QueryOffset;

        var candidates = new CandidateSet(stackalloc int[StackCandidates]);
        try
        {
            candidates.AddRange(_always);
            _caseSensitive.Collect(pathAndQuery, pathLength, foldCase: false, ref candidates);
            _caseFolded?.Collect(pathAndQuery, pathLength, foldCase: true, ref candidates);
            candidates.Sort();
            foreach (var index in candidates.Items)
            {
                ref readonly var entry = ref _entries[index];
                if (entry.Condition is null || entry.Condition.Matches(request))
                {
                    return (entry.Rule, entry.MatchIndex);
                }
            }

            return (null, -1);
        }
        finally
        {
            candidates.Dispose();
        }
    }

    private static void Add(PathTrie.Builder trie, ByteMatcher uri, byte[] key, int index)
    {
        if (uri.Kind == StringMatchKind.Exact)
        {
            trie.AddExact(key, index);
        }
        else
        {
            trie.AddPrefix(key, index);
        }
    }

    private readonly record struct Entry(RouteRule Rule, int MatchIndex, MatchCondition? Condition);
}
