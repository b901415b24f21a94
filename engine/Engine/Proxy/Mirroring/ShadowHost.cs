namespace Engine.Proxy.Mirroring;

/// <summary>
/// Envoy's mirror host suffix (when it is on): "-shadow" goes after the host and before any port,
/// "foo:8000" → "foo-shadow:8000" (an IPv6 literal's colons are inside its brackets).
/// </summary>
internal static class ShadowHost
{
    public static ReadOnlySpan<byte> Suffix => "-shadow"u8;

    /// <summary>Where the suffix goes in <paramref name="authority"/>.</summary>
    public static int InsertAt(ReadOnlySpan<byte> authority)
    {
        var colon = authority.LastIndexOf((byte)':');
        return colon > authority.LastIndexOf((byte)']') ? colon : authority.Length;
    }

    public static byte[] Of(ReadOnlySpan<byte> authority)
    {
        var at = InsertAt(authority);
        return [.. authority[..at], .. Suffix, .. authority[at..]];
    }
}
