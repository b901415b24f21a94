using Engine.Config;

namespace Engine.Tests.Config;

/// <summary>Helpers to load YAML text and assert on diagnostics by line, path and message.</summary>
internal static class ConfigAssert
{
    public const string File = "test.yaml";

    public static ConfigLoadResult Load(string yaml, string defaultNamespace = "default")
        => ConfigLoader.LoadText(yaml, File, defaultNamespace);

    public static ConfigSnapshot LoadValid(string yaml, string defaultNamespace = "default")
    {
        var result = Load(yaml, defaultNamespace);
        Assert.True(result.Succeeded, "unexpected errors:\n" + string.Join("\n", result.Errors));
        return result.Snapshot!;
    }

    /// <summary>Asserts exactly one error at <paramref name="line"/> with <paramref name="path"/> whose message contains <paramref name="message"/>.</summary>
    public static ConfigDiagnostic HasError(ConfigLoadResult result, int line, string? path, string message)
        => Has(result.Errors, line, path, message, "error", result);

    public static ConfigDiagnostic HasWarning(ConfigLoadResult result, int line, string? path, string message)
        => Has(result.Warnings, line, path, message, "warning", result);

    public static ConfigDiagnostic SingleError(ConfigLoadResult result)
    {
        var errors = result.Errors.ToList();
        Assert.True(errors.Count == 1, "expected exactly one error, got:\n" + string.Join("\n", result.Diagnostics));
        Assert.Null(result.Snapshot);
        return errors[0];
    }

    public static void NoWarningContaining(ConfigLoadResult result, string text)
        => Assert.DoesNotContain(result.Warnings, w => w.Message.Contains(text, StringComparison.Ordinal));

    private static ConfigDiagnostic Has(IEnumerable<ConfigDiagnostic> items, int line, string? path, string message, string what, ConfigLoadResult result)
    {
        var matches = items.Where(d => d.Line == line && d.Path == path && d.Message.Contains(message, StringComparison.Ordinal)).ToList();
        Assert.True(matches.Count == 1, $"expected one {what} at line {line} path '{path}' containing '{message}', got {matches.Count}. All diagnostics:\n" + string.Join("\n", result.Diagnostics));
        return matches[0];
    }
}
