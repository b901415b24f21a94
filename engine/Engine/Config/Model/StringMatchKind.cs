namespace Engine.Config.Model;

/// <summary>Which member of the StringMatch oneof was written; <see cref="Presence"/> is <c>{}</c>.</summary>
internal enum StringMatchKind
{
    /// <summary><c>{}</c>: no member set. For headers and query parameters it means "is present".</summary>
    Presence,
    Exact,
    Prefix,
    Regex,
}
