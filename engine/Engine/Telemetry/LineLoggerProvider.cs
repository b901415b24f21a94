using Microsoft.Extensions.Logging;

namespace Engine.Telemetry;

/// <summary>
/// Operational log lines ("2026-11-26T03:15:33.123Z warn  engine.config: …") to a text writer
/// (stderr by default). Small and synchronous on purpose: what is logged here is rare (start-up,
/// config, errors); per-request lines go through the access log, and what an operator alerts on
/// is a metric.
/// </summary>
internal sealed class LineLoggerProvider : ILoggerProvider
{
    private readonly TextWriter _writer;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();

    public LineLoggerProvider(TextWriter writer, TimeProvider time, LogLevel minimumLevel)
    {
        _writer = writer;
        _time = time;
        MinimumLevel = minimumLevel;
    }

    /// <summary>Changeable at run time (the admin /logging endpoint, issue 8).</summary>
    public LogLevel MinimumLevel { get; set; }

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void Dispose() => _writer.Flush();

    private void Write(LogLevel level, string category, string message, Exception? exception)
    {
        var line = $"{_time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} {LevelName(level)} {category}: {message}";
        lock (_lock)
        {
            _writer.WriteLine(line);
            if (exception is not null)
            {
                _writer.WriteLine(exception.ToString());
            }

            _writer.Flush();
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info ",
        LogLevel.Warning => "warn ",
        LogLevel.Error => "error",
        LogLevel.Critical => "crit ",
        _ => "     ",
    };

    private sealed class LineLogger : ILogger
    {
        private readonly LineLoggerProvider _provider;
        private readonly string _category;

        public LineLogger(LineLoggerProvider provider, string category)
        {
            _provider = provider;
            _category = category;
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _provider.MinimumLevel && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                _provider.Write(logLevel, _category, formatter(state, exception), exception);
            }
        }
    }
}
