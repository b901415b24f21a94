namespace Engine.Config.Model;

/// <summary>
/// istio StringMatch. Values are case-sensitive; regexes are RE2 and match the whole string.
/// <c>{}</c> is kept as <see cref="StringMatchKind.Presence"/> rather than dropped.
/// </summary>
internal sealed record StringMatch(StringMatchKind Kind, string Value) : ModelNode
{
    /// <summary>
    /// Istio turns <c>{}</c> and <c>regex: "*"</c> into an Envoy presence match for headers and
    /// query parameters (<c>canBeConvertedToPresentMatch</c>).
    /// </summary>
    public bool IsPresenceMatch => Kind == StringMatchKind.Presence || (Kind == StringMatchKind.Regex && Value == "*");
}
