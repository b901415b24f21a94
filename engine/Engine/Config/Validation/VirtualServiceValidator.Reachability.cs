using System.Text;
using Engine.Config.Model;

namespace Engine.Config.Validation;

/// <summary>
/// Warnings for rules that can never match. Istio stops generating routes after the first
/// catch-all rule (a rule with no match, or a match that is just <c>prefix: /</c>), so every later
/// rule is dead; a match identical to an earlier one is dead too (istio
/// <c>analyzeUnreachableHTTPRules</c>).
/// </summary>
internal static partial class VirtualServiceValidator
{
    private static void HttpReachability(ResourceReporter r, VirtualService vs)
    {
        int? catchAll = null;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < vs.Http.Length; i++)
        {
            var route = vs.Http[i];
            if (catchAll is { } c)
            {
                r.Warning(route.Source, $"rule {RuleName(vs.Http[i].Name, i)} is unreachable: rule {RuleName(vs.Http[c].Name, c)} before it matches every request");
                continue;
            }

            if (route.Match.IsEmpty)
            {
                catchAll = i;
                continue;
            }

            var duplicates = 0;
            foreach (var match in route.Match)
            {
                var key = MatchKey(match);
                if (seen.TryGetValue(key, out var earlier))
                {
                    r.Warning(match.Source, $"match is never used: rule {RuleName(vs.Http[earlier].Name, earlier)} has the same match");
                    duplicates++;
                    continue;
                }

                seen[key] = i;
                if (IsCatchAll(match))
                {
                    catchAll = i;
                }
            }

            if (duplicates == route.Match.Length)
            {
                r.Warning(route.Source, $"rule {RuleName(route.Name, i)} is unreachable: all its matches are used by earlier rules");
            }
        }
    }

    private static void TcpReachability(ResourceReporter r, VirtualService vs)
    {
        int? catchAll = null;
        for (var i = 0; i < vs.Tcp.Length; i++)
        {
            if (catchAll is { } c)
            {
                r.Warning(vs.Tcp[i].Source, $"tcp rule #{i} is unreachable: tcp rule #{c} before it matches every connection");
                continue;
            }

            var match = vs.Tcp[i].Match;
            if (match.IsEmpty || match.Any(m => m.DestinationSubnets.IsEmpty && m.Port == 0 && m.SourceLabels.Count == 0
                    && m.Gateways.IsEmpty && m.SourceNamespace.Length == 0 && m.SourceSubnet.Length == 0))
            {
                catchAll = i;
            }
        }
    }

    /// <summary>A match with no condition but <c>uri</c> prefix <c>/</c> (or regex <c>.*</c>).</summary>
    private static bool IsCatchAll(HttpMatchRequest m)
    {
        var uriMatchesAll = m.Uri is null
            || (m.Uri.Kind == StringMatchKind.Prefix && m.Uri.Value is "" or "/")
            || (m.Uri.Kind == StringMatchKind.Regex && m.Uri.Value is ".*" or "*");
        return uriMatchesAll && m.Scheme is null && m.Method is null && m.Authority is null
            && m.Headers.Count == 0 && m.QueryParams.Count == 0 && m.WithoutHeaders.Count == 0
            && m.Port == 0 && m.SourceLabels.Count == 0 && m.Gateways.IsEmpty && m.SourceNamespace.Length == 0;
    }

    /// <summary>Everything that affects matching (not the name or position), as a comparable string.</summary>
    private static string MatchKey(HttpMatchRequest m)
    {
        var sb = new StringBuilder();
        Append(sb, "uri", m.Uri);
        Append(sb, "scheme", m.Scheme);
        Append(sb, "method", m.Method);
        Append(sb, "authority", m.Authority);
        foreach (var (field, map) in new[] { ("h", m.Headers), ("q", m.QueryParams), ("wh", m.WithoutHeaders) })
        {
            foreach (var key in map.Keys.Order(StringComparer.Ordinal))
            {
                Append(sb, field + ":" + key, map[key]);
            }
        }

        sb.Append("|port=").Append(m.Port).Append("|icase=").Append(m.IgnoreUriCase);
        foreach (var key in m.SourceLabels.Keys.Order(StringComparer.Ordinal))
        {
            sb.Append("|sl:").Append(key).Append('=').Append(m.SourceLabels[key]);
        }

        sb.Append("|gw=").AppendJoin(',', m.Gateways).Append("|ns=").Append(m.SourceNamespace).Append("|sp=").Append(m.StatPrefix);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string name, StringMatch? match)
    {
        if (match is not null)
        {
            sb.Append('|').Append(name).Append('=').Append(match.Kind).Append(':').Append(match.Value.Length).Append(':').Append(match.Value);
        }
    }

    private static string RuleName(string name, int index) => name.Length > 0 ? $"\"{name}\"" : $"#{index}";
}
