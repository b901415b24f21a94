namespace Engine.Tests.Config;

/// <summary>Paths relative to the repository root (the folder holding Engine.sln).</summary>
internal static class RepoPaths
{
    private static readonly Lazy<string?> RootFolder = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    });

    public static string? Root => RootFolder.Value;

    public static string TestData(string relativePath)
        => Path.Combine(Root ?? throw new InvalidOperationException("repository root (Engine.sln) not found above " + AppContext.BaseDirectory), "tests", "Engine.Tests", "TestData", relativePath);
}
