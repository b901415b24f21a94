namespace Engine.IntegrationTests.Infrastructure;

/// <summary>Where the repository, its samples, Istio's samples (../shared) and the engine binary are.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Samples => Path.Combine(Root, "samples");

    /// <summary>Istio's own sample YAML, present in CI and on developer machines beside the repository.</summary>
    public static string? IstioSamples
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "istio-samples"));
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>artifacts/engine, the native AOT binary scripts/publish.sh makes (scripts/test.sh always does), or null.</summary>
    public static string? NativeEngine
    {
        get
        {
            var native = Path.Combine(Root, "artifacts", "engine");
            return File.Exists(native) ? native : null;
        }
    }

    /// <summary>
    /// The native binary when scripts/publish.sh made one (scripts/test.sh always does), else the
    /// JIT build of engine/Engine.Host (Engine.Host.dll).
    /// </summary>
    public static (string FileName, string ArgumentsPrefix) Engine
    {
        get
        {
            var native = Path.Combine(Root, "artifacts", "engine");
            if (File.Exists(native))
            {
                return (native, string.Empty);
            }

            foreach (var configuration in new[] { "Release", "Debug" })
            {
                var dll = Path.Combine(Root, "engine", "Engine.Host", "bin", configuration, "net10.0", "Engine.Host.dll");
                if (File.Exists(dll))
                {
                    return ("dotnet", $"\"{dll}\" ");
                }
            }

            throw new InvalidOperationException("build engine/Engine.Host (or run scripts/publish.sh) before the process tests");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Engine.sln not found above " + AppContext.BaseDirectory);
    }
}
