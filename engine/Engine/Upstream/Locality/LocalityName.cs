namespace Engine.Upstream.Locality;

/// <summary>
/// A <c>region/zone/subzone</c> locality (WorkloadEntry <c>locality</c>, the sidecar's
/// <c>--locality</c>). Missing parts are empty; comparison is exact, as Istio's.
/// </summary>
internal readonly record struct LocalityName(string Region, string Zone, string Subzone)
{
    public static LocalityName Parse(string? text)
    {
        var parts = (text ?? string.Empty).Split('/', 3);
        return new LocalityName(parts[0], parts.Length > 1 ? parts[1] : string.Empty, parts.Length > 2 ? parts[2] : string.Empty);
    }

    public bool IsEmpty => Region.Length == 0;

    /// <summary>
    /// Matches a <c>distribute</c> key: <c>region/zone/subzone</c>, where a part may be <c>*</c>
    /// (everything below it too) and missing parts match anything.
    /// </summary>
    public bool Matches(string pattern)
    {
        var parts = pattern.Split('/');
        string[] mine = [Region, Zone, Subzone];
        for (var i = 0; i < parts.Length && i < 3; i++)
        {
            if (parts[i] == "*")
            {
                return true;
            }

            if (parts[i] != mine[i])
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => Subzone.Length > 0 ? $"{Region}/{Zone}/{Subzone}" : Zone.Length > 0 ? $"{Region}/{Zone}" : Region;
}
