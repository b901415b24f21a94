using Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace Engine.Host.Commands;

/// <summary>Operational logs of the executable: one line each, to stderr.</summary>
internal static class HostLogging
{
    public static ILoggerFactory Create(LogLevel level)
        => LoggerFactory.Create(builder => builder
            .SetMinimumLevel(level)
            .AddProvider(new LineLoggerProvider(Console.Error, TimeProvider.System, level)));
}
