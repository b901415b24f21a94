namespace Engine.Routing;

/// <summary>
/// One HTTPMatchRequest: every present condition must hold (AND). A rule's several match
/// entries are ORed by <see cref="RouteRule"/>.
/// </summary>
internal sealed class MatchCondition
{
    public ByteMatcher? Uri { get; init; }

    public ByteMatcher? Scheme { get; init; }

    public ByteMatcher? Method { get; init; }

    public ByteMatcher? Authority { get; init; }

    public HeaderCondition[] Headers { get; init; } = [];

    public QueryCondition[] QueryParams { get; init; } = [];

    /// <summary>
    /// The port the match is restricted to. Istio decides it per listener at config time, not per
    /// request (istio-semantics.md §3.1): the compiler puts this entry only in that port's rule set
    /// (<see cref="VirtualHost.ForPort"/>), so matching never reads it; it is kept for explain and dumps.
    /// </summary>
    public int? Port { get; init; }

    public string? Name { get; init; }

    /// <summary>
    /// Matches everything on its port: no runtime condition at all (Istio's catch-all test runs on
    /// the Envoy route, which has no port: a port-only match is a catch-all in that port's table).
    /// </summary>
    public bool IsCatchAll => (Uri is null || (Uri.Kind == StringMatchKind.Prefix && Uri.Text is "/" or "")
                                              || (Uri.Kind == StringMatchKind.Regex && Uri.Text == ".*"))
                              && Scheme is null && Method is null && Authority is null
                              && Headers.Length == 0 && QueryParams.Length == 0;

    /// <summary>Why this match block does not hold for the request (null when it does): for explain.</summary>
    public string? Mismatch(in RequestView request)
    {
        if (Uri is not null && !Uri.Matches(Uri.Kind == StringMatchKind.Prefix ? request.PathAndQuery : request.Path))
        {
            return $"uri {Uri}{(Uri.IgnoreCase ? " (ignoreUriCase)" : string.Empty)} does not match {Text(Uri.Kind == StringMatchKind.Prefix ? request.PathAndQuery : request.Path)}";
        }

        if (Method is not null && !Method.Matches(request.Method))
        {
            return $"method {Method} does not match {Text(request.Method)}";
        }

        if (Scheme is not null && !Scheme.Matches(request.Scheme))
        {
            return $"scheme {Scheme} does not match {Text(request.Scheme)}";
        }

        if (Authority is not null && !Authority.Matches(request.Authority))
        {
            return $"authority {Authority} does not match {Text(request.Authority)} (the authority includes the port)";
        }

        foreach (var header in Headers)
        {
            if (!header.Matches(request))
            {
                return request.TryGetHeader(header.LowerName, out var value) ? $"{header} does not hold for {Text(value)}" : $"{header} does not hold (header absent)";
            }
        }

        foreach (var query in QueryParams)
        {
            if (!query.Matches(request))
            {
                return request.TryGetQueryParameter(query.NameBytes, out var value) ? $"{query} does not hold for {Text(value)}" : $"{query} does not hold (parameter absent)";
            }
        }

        return null;
    }

    private static string Text(ReadOnlySpan<byte> bytes) => "\"" + System.Text.Encoding.UTF8.GetString(bytes) + "\"";

    public override string ToString()
    {
        var parts = new List<string>();
        if (Uri is not null)
        {
            parts.Add($"uri {Uri}{(Uri.IgnoreCase ? " ignoreUriCase" : string.Empty)}");
        }

        if (Method is not null)
        {
            parts.Add($"method {Method}");
        }

        if (Scheme is not null)
        {
            parts.Add($"scheme {Scheme}");
        }

        if (Authority is not null)
        {
            parts.Add($"authority {Authority}");
        }

        parts.AddRange(Headers.Select(h => h.ToString()));
        parts.AddRange(QueryParams.Select(q => q.ToString()));
        if (Port is { } port)
        {
            parts.Add($"port {port}");
        }

        return parts.Count == 0 ? "(matches everything)" : string.Join(" and ", parts);
    }

    public bool Matches(in RequestView request)
    {
        if (Uri is not null && !Uri.Matches(Uri.Kind == StringMatchKind.Prefix ? request.PathAndQuery : request.Path))
        {
            return false;
        }

        if (Method is not null && !Method.Matches(request.Method))
        {
            return false;
        }

        if (Scheme is not null && !Scheme.Matches(request.Scheme))
        {
            return false;
        }

        if (Authority is not null && !Authority.Matches(request.Authority))
        {
            return false;
        }

        foreach (var header in Headers)
        {
            if (!header.Matches(request))
            {
                return false;
            }
        }

        foreach (var query in QueryParams)
        {
            if (!query.Matches(request))
            {
                return false;
            }
        }

        return true;
    }
}
