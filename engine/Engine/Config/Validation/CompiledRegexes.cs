using System.Collections.Concurrent;
using System.Text.RegularExpressions;
namespace Engine.Config.Validation;

/// <summary>
/// Full-match NonBacktracking regexes by RE2 pattern, shared by validation and by every compiled
/// configuration. Building a NonBacktracking regex is the costliest part of loading routes
/// (measured with perf/ RouteCompileBenchmarks: 10,000 rules took 865 ms to compile and allocated
/// 766 MB before this cache, 76 ms and 45 MB after), and a reload usually keeps most patterns,
/// so each is built once — validation builds it, the route compiler reuses it. NonBacktracking regexes are safe
/// to share between threads. Bounded: past the limit the cache starts over.
/// </summary>
internal static class CompiledRegexes
{
    private const int MaxEntries = 20_000;
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    /// <summary>The anchored regex for a pattern; throws like <see cref="Regex"/> when the pattern is invalid.</summary>
    public static Regex GetOrAdd(string re2Pattern)
    {
        if (Cache.TryGetValue(re2Pattern, out var regex))
        {
            return regex;
        }

        if (Cache.Count >= MaxEntries)
        {
            Cache.Clear();
        }

        // Envoy matches the whole value (istio-semantics.md §3.3): anchor the translated pattern.
        regex = new Regex(@"\A(?:" + Re2Pattern.Translate(re2Pattern) + @")\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        return Cache.GetOrAdd(re2Pattern, regex);
    }
}
