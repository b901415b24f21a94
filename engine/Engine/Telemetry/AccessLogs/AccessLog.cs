namespace Engine.Telemetry.AccessLogs;

/// <summary>
/// The access log: formats each finished request on the request thread into that thread's own
/// scratch array (no allocation, no lock) and hands the line to the <see cref="AccessLogWriter"/>.
/// </summary>
internal sealed class AccessLog : IDisposable
{
    /// <summary>Long enough for a typical line; a longer one grows this thread's array once.</summary>
    private const int ScratchSize = 2048;

    [ThreadStatic]
    private static byte[]? t_scratch;

    public AccessLog(AccessLogWriter writer, AccessLogFormat format)
    {
        Writer = writer;
        Format = format;
    }

    public AccessLogWriter Writer { get; }

    public AccessLogFormat Format { get; }

    public void Log(in CompletedRequest request)
    {
        var line = new LineWriter(t_scratch ??= new byte[ScratchSize]);
        AccessLogFormatter.Write(ref line, Format, request);
        t_scratch = line.Buffer;
        Writer.Append(line.Written);
    }

    public void Dispose() => Writer.Dispose();
}
