namespace Engine.Tests.Config;

/// <summary>
/// Locates Istio's sample YAML in <c>&lt;repo root&gt;/../shared/istio-samples</c> (not copied into the
/// repo). The repo root is the folder holding Engine.sln, found by walking up from the test binary.
/// </summary>
internal static class IstioSamples
{
    public const string SkipReason = "Istio samples folder ../shared/istio-samples (next to the repository root) is not present on this machine";

    private static readonly Lazy<string?> Folder = new(Find);

    public static string? Directory => Folder.Value;

    public static bool Available => Folder.Value is not null;

    public static string PathOf(string fileName)
        => System.IO.Path.Combine(Folder.Value ?? throw new InvalidOperationException(SkipReason), fileName);

    /// <summary>Every sample file name, for [Theory] data; empty when the folder is absent.</summary>
    public static IEnumerable<object[]> All()
    {
        if (Folder.Value is null)
        {
            // One row so the theory runs and reports the skip instead of "no data".
            yield return [""];
            yield break;
        }

        foreach (var file in System.IO.Directory.EnumerateFiles(Folder.Value, "*.yaml").Order(StringComparer.Ordinal))
        {
            yield return [System.IO.Path.GetFileName(file)];
        }
    }

    private static string? Find()
    {
        if (RepoPaths.Root is not { } root)
        {
            return null;
        }

        var samples = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, "..", "shared", "istio-samples"));
        return System.IO.Directory.Exists(samples) ? samples : null;
    }
}
