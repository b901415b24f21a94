namespace Engine.Routing;

/// <summary>
/// One entry of <c>headers</c> or <c>withoutHeaders</c>. Envoy semantics (istio-semantics.md
/// §3.2): several lines of one header are matched as their comma-joined value; an inverted
/// (withoutHeaders) value match treats a missing header as "" — so <c>withoutHeaders: {x: {exact: foo}}</c>
/// matches requests without x — while an inverted presence match means "absent".
/// </summary>
internal sealed class HeaderCondition
{
    public HeaderCondition(string name, ByteMatcher matcher, bool invert)
    {
        Name = name.ToLowerInvariant();
        LowerName = System.Text.Encoding.ASCII.GetBytes(Name);
        Matcher = matcher;
        Invert = invert;
    }

    public string Name { get; }

    public byte[] LowerName { get; }

    public ByteMatcher Matcher { get; }

    public bool Invert { get; }

    public bool Matches(in RequestView request)
    {
        bool matched;
        if (!request.TryGetHeader(LowerName, out var value))
        {
            // Missing: a presence match fails; a value match fails unless inverted, where Envoy
            // compares "" (treat_missing_header_as_empty).
            matched = Invert && Matcher.Kind != StringMatchKind.Present && Matcher.Matches(ReadOnlySpan<byte>.Empty);
            return Invert ? !matched : matched;
        }

        matched = Matcher.Matches(value);
        return Invert ? !matched : matched;
    }

    public override string ToString() => $"{(Invert ? "without " : string.Empty)}header {Name} {Matcher}";
}
