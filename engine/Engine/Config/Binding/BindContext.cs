using Engine.Config.Yaml;

namespace Engine.Config.Binding;

/// <summary>
/// State shared while binding one file: where diagnostics go, which resource they belong to, and
/// the paths whose value could not be bound (so validation does not report the same problem
/// again as "missing").
/// </summary>
internal sealed partial class BindContext
{
    private readonly DiagnosticBag _bag;
    private readonly HashSet<string> _failedPaths = new(StringComparer.Ordinal);

    public BindContext(string file, DiagnosticBag bag)
    {
        File = file;
        _bag = bag;
    }

    public string File { get; }

    public string? Kind { get; private set; }

    public string? Name { get; private set; }

    public int ErrorCount { get; private set; }

    /// <summary>Paths (relative to the document) whose value was present but unusable.</summary>
    public IReadOnlySet<string> FailedPaths => _failedPaths;

    public void BeginResource(string? kind, string? name)
    {
        Kind = kind;
        Name = name;
        _failedPaths.Clear();
        ErrorCount = 0;
    }

    public void Error(YamlNode at, string path, string message)
    {
        _failedPaths.Add(path);
        ErrorCount++;
        _bag.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, File, at.Line, Kind, Name, NullIfEmpty(path), message) { Column = at.Column });
    }

    public void Warning(YamlNode at, string path, string message)
        => _bag.Add(new ConfigDiagnostic(DiagnosticSeverity.Warning, File, at.Line, Kind, Name, NullIfEmpty(path), message) { Column = at.Column });

    private static string? NullIfEmpty(string path) => path.Length == 0 ? null : path;
}
