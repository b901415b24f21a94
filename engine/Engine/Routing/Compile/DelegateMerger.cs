using System.Collections.Immutable;
using Engine.Config;
using Engine.Config.Model;

namespace Engine.Routing.Compile;

/// <summary>
/// VirtualService delegation (istio-semantics.md §2.5): a root rule with <c>delegate</c> is
/// replaced by the delegate's rules, in order, each merged with the root rule the way istiod
/// merges them (<c>mergeHTTPRoute</c>, <c>mergeHTTPMatchRequests</c>, <c>hasConflict</c>). One
/// level only; a missing delegate drops the root rule; a delegate rule whose matches all conflict
/// with the root's is dropped. Both are reported as warnings.
/// </summary>
internal static class DelegateMerger
{
    /// <summary>A rule ready to compile, with the namespace its short host names resolve in.</summary>
    internal readonly record struct ResolvedRule(HttpRoute Route, string Namespace, int RootIndex);

    public static IEnumerable<ResolvedRule> Expand(
        IstioResource<VirtualService> root,
        IReadOnlyDictionary<(string Namespace, string Name), IstioResource<VirtualService>> delegates,
        Action<SourceLocation, string> warn)
    {
        var http = root.Spec.Http;
        for (var i = 0; i < http.Length; i++)
        {
            var rule = http[i];
            if (rule.Delegate is not { } reference)
            {
                yield return new ResolvedRule(rule, root.Namespace, i);
                continue;
            }

            var ns = reference.Namespace.Length > 0 ? reference.Namespace : root.Namespace;
            if (!delegates.TryGetValue((ns, reference.Name), out var target))
            {
                warn(rule.Source.Field("delegate"), $"delegate VirtualService {ns}/{reference.Name} does not exist (or has hosts, so it is not a delegate); this rule is dropped");
                continue;
            }

            foreach (var leaf in target.Spec.Http)
            {
                var merged = Merge(rule, leaf);
                if (merged is null)
                {
                    warn(leaf.Source, $"rule of delegate {ns}/{reference.Name} conflicts with the matches of the root rule at {rule.Source.Path}; it is dropped");
                    continue;
                }

                yield return new ResolvedRule(merged, target.Namespace, i);
            }
        }
    }

    /// <summary>istiod's mergeHTTPRoute: the leaf's fields win when set; matches merge; null on conflict.</summary>
    public static HttpRoute? Merge(HttpRoute root, HttpRoute leaf)
    {
        var matches = MergeMatches(root.Match, leaf.Match);
        if (matches is null)
        {
            return null;
        }

        return leaf with
        {
            Match = matches.Value,
            Name = root.Name.Length == 0 ? leaf.Name : leaf.Name.Length == 0 ? root.Name : root.Name + "-" + leaf.Name,
            Rewrite = leaf.Rewrite ?? root.Rewrite,
            DirectResponse = leaf.DirectResponse ?? root.DirectResponse,
            Timeout = leaf.Timeout ?? root.Timeout,
            Retries = leaf.Retries ?? root.Retries,
            Fault = leaf.Fault ?? root.Fault,
            Mirror = leaf.Mirror ?? root.Mirror,
            MirrorPercent = leaf.MirrorPercent ?? root.MirrorPercent,
            MirrorPercentage = leaf.MirrorPercentage ?? root.MirrorPercentage,
            CorsPolicy = leaf.CorsPolicy ?? root.CorsPolicy,
            Mirrors = leaf.Mirrors.IsEmpty ? root.Mirrors : leaf.Mirrors,
            Headers = leaf.Headers ?? root.Headers,
            Delegate = null,
        };
    }

    /// <summary>
    /// Either side empty: the other's. Otherwise every leaf match must be compatible with at least
    /// one root match, and is merged with every compatible one (a cross product); one leaf match
    /// without a compatible root match makes the whole leaf rule conflict (null).
    /// </summary>
    public static ImmutableArray<HttpMatchRequest>? MergeMatches(ImmutableArray<HttpMatchRequest> root, ImmutableArray<HttpMatchRequest> leaf)
    {
        if (root.IsEmpty)
        {
            return leaf;
        }

        if (leaf.IsEmpty)
        {
            return root;
        }

        var merged = ImmutableArray.CreateBuilder<HttpMatchRequest>();
        foreach (var l in leaf)
        {
            var compatible = root.Where(r => !HasConflict(r, l)).ToArray();
            if (compatible.Length == 0)
            {
                return null;
            }

            merged.AddRange(compatible.Select(r => MergeMatch(r, l)));
        }

        return merged.ToImmutable();
    }

    private static HttpMatchRequest MergeMatch(HttpMatchRequest root, HttpMatchRequest leaf) => leaf with
    {
        Name = leaf.Name.Length == 0 ? root.Name : root.Name.Length == 0 ? leaf.Name : root.Name + "-" + leaf.Name,
        Uri = leaf.Uri ?? root.Uri,
        Scheme = leaf.Scheme ?? root.Scheme,
        Method = leaf.Method ?? root.Method,
        Authority = leaf.Authority ?? root.Authority,
        Headers = MergeMaps(root.Headers, leaf.Headers),
        WithoutHeaders = MergeMaps(root.WithoutHeaders, leaf.WithoutHeaders),
        QueryParams = MergeMaps(root.QueryParams, leaf.QueryParams),
        Port = leaf.Port == 0 ? root.Port : leaf.Port,
        SourceLabels = MergeMaps(root.SourceLabels, leaf.SourceLabels),
        SourceNamespace = leaf.SourceNamespace.Length == 0 ? root.SourceNamespace : leaf.SourceNamespace,
        Gateways = leaf.Gateways.IsEmpty ? root.Gateways : leaf.Gateways,
        StatPrefix = leaf.StatPrefix.Length == 0 ? root.StatPrefix : leaf.StatPrefix,
    };

    private static OrderedMap<T> MergeMaps<T>(OrderedMap<T> root, OrderedMap<T> leaf)
        => new(root.Where(r => !leaf.ContainsKey(r.Key)).Concat(leaf));

    /// <summary>istiod's hasConflict: can a request match both the root and the leaf match?</summary>
    public static bool HasConflict(HttpMatchRequest root, HttpMatchRequest leaf)
    {
        if (StringMatchConflict(root.Uri, leaf.Uri) || StringMatchConflict(root.Scheme, leaf.Scheme)
            || StringMatchConflict(root.Method, leaf.Method) || StringMatchConflict(root.Authority, leaf.Authority))
        {
            return true;
        }

        if (leaf.Headers.Any(h => StringMatchConflict(root.Headers.GetValueOrDefault(h.Key), h.Value))
            || leaf.WithoutHeaders.Any(h => StringMatchConflict(root.WithoutHeaders.GetValueOrDefault(h.Key), h.Value))
            || leaf.QueryParams.Any(q => StringMatchConflict(root.QueryParams.GetValueOrDefault(q.Key), q.Value)))
        {
            return true;
        }

        if (root.IgnoreUriCase != leaf.IgnoreUriCase)
        {
            return true;
        }

        if (root.Port > 0 && leaf.Port > 0 && root.Port != leaf.Port)
        {
            return true;
        }

        if (root.SourceNamespace.Length > 0 && leaf.SourceNamespace != root.SourceNamespace)
        {
            return true;
        }

        if (leaf.SourceLabels.Any(l => root.SourceLabels.TryGetValue(l.Key, out var v) && v != l.Value))
        {
            return true;
        }

        // The root's gateways must be a superset of the leaf's.
        return !root.Gateways.IsEmpty && !leaf.Gateways.IsEmpty && leaf.Gateways.Any(g => !root.Gateways.Contains(g));
    }

    /// <summary>
    /// istiod's stringMatchConflict: no conflict when either side is unset; any regex conflicts;
    /// a root exact needs the same exact; a root prefix needs a leaf prefix or exact under it;
    /// anything else conflicts.
    /// </summary>
    private static bool StringMatchConflict(StringMatch? root, StringMatch? leaf)
    {
        if (root is null || leaf is null)
        {
            return false;
        }

        if (root.Kind == Config.Model.StringMatchKind.Regex || leaf.Kind == Config.Model.StringMatchKind.Regex)
        {
            return true;
        }

        if (root.Kind == Config.Model.StringMatchKind.Exact && root.Value.Length > 0)
        {
            return leaf.Kind != Config.Model.StringMatchKind.Exact || leaf.Value != root.Value;
        }

        if (root.Kind == Config.Model.StringMatchKind.Prefix && root.Value.Length > 0)
        {
            return !(leaf.Kind is Config.Model.StringMatchKind.Prefix or Config.Model.StringMatchKind.Exact && leaf.Value.StartsWith(root.Value, StringComparison.Ordinal));
        }

        return true;
    }
}
