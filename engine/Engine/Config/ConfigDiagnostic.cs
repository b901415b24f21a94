using System.Text;

namespace Engine.Config;

/// <summary>
/// One problem found while loading configuration. Formats as
/// <c>FILE:LINE: Kind/name spec.path: message</c> (warnings as <c>FILE:LINE: warning: …</c>);
/// parts that are unknown (no resource yet, no path) are left out.
/// </summary>
internal sealed record ConfigDiagnostic(
    DiagnosticSeverity Severity,
    string File,
    int Line,
    string? Kind,
    string? Name,
    string? Path,
    string Message)
{
    public int Column { get; init; }

    public bool IsError => Severity == DiagnosticSeverity.Error;

    public override string ToString()
    {
        var sb = new StringBuilder(File);
        if (Line > 0)
        {
            sb.Append(':').Append(Line);
        }

        sb.Append(": ");
        if (Severity == DiagnosticSeverity.Warning)
        {
            sb.Append("warning: ");
        }

        var subject = Kind is null ? null : string.IsNullOrEmpty(Name) ? Kind : Kind + "/" + Name;
        var where = string.Join(' ', new[] { subject, Path }.Where(p => !string.IsNullOrEmpty(p)));
        if (where.Length > 0)
        {
            sb.Append(where).Append(": ");
        }

        return sb.Append(Message).ToString();
    }
}
