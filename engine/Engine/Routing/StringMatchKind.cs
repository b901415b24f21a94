namespace Engine.Routing;

/// <summary>Istio StringMatch kinds; <see cref="Present"/> is the <c>{}</c> (or <c>regex: "*"</c>) presence match.</summary>
internal enum StringMatchKind
{
    Exact,
    Prefix,
    Regex,
    Present,
}
