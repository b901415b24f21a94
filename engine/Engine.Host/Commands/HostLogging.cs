using Engine.Telemetry;
using Microsoft.Extensions.Logging;

namespace Engine.Host.Commands;

/// <summary>Operational logs of the executable: one line each, to stderr.</summary>
internal static class HostLogging
{
    public static ILoggerFactory Create(LogLevel level) => Create(level, out _);

    /// <summary>
    /// The factory lets every level through and the provider filters, so that the admin
    /// <c>/logging</c> endpoint can change the level at run time through <paramref name="provider"/>.
    /// </summary>
    public static ILoggerFactory Create(LogLevel level, out LineLoggerProvider provider)
    {
        var lines = new LineLoggerProvider(Console.Error, TimeProvider.System, level);
        provider = lines;
        return LoggerFactory.Create(builder => builder
            .SetMinimumLevel(LogLevel.Trace)
            .AddProvider(lines));
    }
}
