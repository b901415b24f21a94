namespace Engine.Config.Validation;

/// <summary>
/// Reports validation diagnostics for one resource. A field whose value already failed to bind
/// gets no second, derived error (its default value would otherwise look "missing" or "0").
/// </summary>
internal sealed class ResourceReporter
{
    private readonly DiagnosticBag _bag;
    private readonly IReadOnlySet<string> _failedPaths;

    public ResourceReporter(DiagnosticBag bag, string kind, string name, string @namespace, IReadOnlySet<string> failedPaths)
    {
        _bag = bag;
        Kind = kind;
        Name = name;
        Namespace = @namespace;
        _failedPaths = failedPaths;
    }

    public string Kind { get; }

    public string Name { get; }

    public string Namespace { get; }

    public void Error(SourceLocation at, string message)
    {
        if (!_failedPaths.Contains(at.Path))
        {
            _bag.Add(Create(DiagnosticSeverity.Error, at, message));
        }
    }

    public void Error(SourceLocation owner, string field, string message) => Error(owner.Field(field), message);

    public void Warning(SourceLocation at, string message)
    {
        if (!_failedPaths.Contains(at.Path))
        {
            _bag.Add(Create(DiagnosticSeverity.Warning, at, message));
        }
    }

    public void Warning(SourceLocation owner, string field, string message) => Warning(owner.Field(field), message);

    /// <summary>True when <paramref name="field"/> of <paramref name="owner"/> was written but could not be bound.</summary>
    public bool Failed(SourceLocation owner, string field) => _failedPaths.Contains(SourceLocation.Join(owner.Path, field));

    /// <summary>Reports "something is missing" unless one of <paramref name="fields"/> was written and failed to bind.</summary>
    public void Missing(SourceLocation owner, string message, params string[] fields)
    {
        if (!fields.Any(f => Failed(owner, f)))
        {
            Error(owner, message);
        }
    }

    private ConfigDiagnostic Create(DiagnosticSeverity severity, SourceLocation at, string message)
        => new(severity, at.File, at.Line, Kind, Name, at.Path.Length == 0 ? null : at.Path, message) { Column = at.Column };
}
