namespace Engine.Config;

internal enum DiagnosticSeverity
{
    Error,
    Warning,
}
