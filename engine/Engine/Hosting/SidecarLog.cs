using Microsoft.Extensions.Logging;

namespace Engine.Hosting;

/// <summary>Source-generated log messages of configuration loading and reloads.</summary>
internal static partial class SidecarLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Error, Message = "{Diagnostic}")]
    public static partial void ReloadError(ILogger logger, string diagnostic);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "configuration reload rejected ({Errors} error(s)); still serving version {Version}")]
    public static partial void ReloadRejected(ILogger logger, int errors, long version);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "{Diagnostic}")]
    public static partial void ReloadWarning(ILogger logger, string diagnostic);

    [LoggerMessage(EventId = 203, Level = LogLevel.Information, Message = "configuration reloaded: version {Version}, {Resources} resource(s) from {Files} file(s)")]
    public static partial void Reloaded(ILogger logger, long version, int resources, int files);
}
