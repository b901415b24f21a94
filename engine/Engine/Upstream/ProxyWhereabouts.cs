namespace Engine.Upstream;

/// <summary>
/// Who the sidecar is, as far as choosing endpoints goes: its locality
/// (<c>region/zone/subzone</c>, empty when unknown) and its labels (for <c>failoverPriority</c>).
/// </summary>
internal sealed record ProxyWhereabouts(string Locality, IReadOnlyDictionary<string, string> Labels);
