using Microsoft.Extensions.Logging;

namespace Engine.Proxy;

/// <summary>Source-generated log messages of the data plane (free when the level is off).</summary>
internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "rejected request from {Remote}: {Reason}")]
    public static partial void BadRequest(ILogger logger, string remote, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "connection from {Remote} failed unexpectedly")]
    public static partial void SessionFailed(ILogger logger, Exception exception, string remote);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "listening on {Endpoint}")]
    public static partial void Listening(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 104, Level = LogLevel.Debug, Message = "request from {Remote} not retried: its body was streamed, not buffered")]
    public static partial void NotReplayable(ILogger logger, string remote);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "accept loop on {Endpoint} failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "TLS to upstream {Upstream} of {Cluster} failed: {Detail} ({Reason})")]
    public static partial void UpstreamTlsFailed(ILogger logger, string upstream, string cluster, string detail, string reason);
}
