using Microsoft.Extensions.Logging;

namespace Engine.Admin;

/// <summary>Envoy's log level names (what <c>/logging?level=</c> takes and shows).</summary>
internal static class LogLevels
{
    public const string Names = "trace, debug, info, warning, error, critical, off";

    public static bool TryParse(string text, out LogLevel level)
    {
        switch (text.ToLowerInvariant())
        {
            case "trace": level = LogLevel.Trace; return true;
            case "debug": level = LogLevel.Debug; return true;
            case "info": level = LogLevel.Information; return true;
            case "warn" or "warning": level = LogLevel.Warning; return true;
            case "error": level = LogLevel.Error; return true;
            case "critical": level = LogLevel.Critical; return true;
            case "off": level = LogLevel.None; return true;
            default: level = LogLevel.None; return false;
        }
    }

    public static string Name(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "off",
    };
}
