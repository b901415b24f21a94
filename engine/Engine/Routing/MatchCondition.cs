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

    /// <summary>Destination port the match is restricted to (a static filter in Istio).</summary>
    public int? Port { get; init; }

    public string? Name { get; init; }

    /// <summary>Matches everything: no condition at all (Istio's catch-all test).</summary>
    public bool IsCatchAll => (Uri is null || (Uri.Kind == StringMatchKind.Prefix && Uri.Text is "/" or "")
                                              || (Uri.Kind == StringMatchKind.Regex && Uri.Text == ".*"))
                              && Scheme is null && Method is null && Authority is null
                              && Headers.Length == 0 && QueryParams.Length == 0 && Port is null;

    public bool Matches(in RequestView request)
    {
        if (Port is { } port && port != request.Port)
        {
            return false;
        }

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
