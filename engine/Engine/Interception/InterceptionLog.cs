using Microsoft.Extensions.Logging;

namespace Engine.Interception;

/// <summary>Source-generated log lines of transparent mode (free when the level is off).</summary>
internal static partial class InterceptionLog
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "{Listener} connection from {Client} to {Local} refused: {Reason}")]
    public static partial void Refused(ILogger logger, string listener, string client, string local, string reason);

    /// <summary>The TCP access-log line: one per L4 connection, with bytes each way.</summary>
    [LoggerMessage(EventId = 701, Level = LogLevel.Information,
        Message = "{Listener} {Protocol} {Client} -> {Destination} via {Cluster} ({Upstream}, route {Route}): {End}, {BytesFromClient} bytes sent, {BytesToClient} bytes received, {DurationMs} ms")]
    public static partial void TcpCompleted(ILogger logger, string listener, string protocol, string client, string destination, string cluster, string upstream, string route,
        TcpProxyEnd end, long bytesFromClient, long bytesToClient, long durationMs);

    [LoggerMessage(EventId = 702, Level = LogLevel.Information,
        Message = "{Listener} {Protocol} {Client} -> {Destination} via {Cluster} ({Upstream}, route {Route}): upstream connect {Outcome}{Detail} (UF); connection closed")]
    public static partial void TcpConnectFailed(ILogger logger, string listener, string protocol, string client, string destination, string cluster, string upstream, string route, Upstream.ConnectOutcome outcome, string detail);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information,
        Message = "{Listener} {Protocol} {Client} -> {Destination} via {Cluster} (route {Route}): {Reason} ({Flag}); connection closed")]
    public static partial void TcpRejected(ILogger logger, string listener, string protocol, string client, string destination, string cluster, string route, string reason, string flag);

    [LoggerMessage(EventId = 704, Level = LogLevel.Debug, Message = "outbound {Client} -> {Destination}: {Protocol} ({Service})")]
    public static partial void Detected(ILogger logger, string client, string destination, SniffedProtocol protocol, string service);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "transparent {Listener} listener on {Endpoint}")]
    public static partial void Listening(ILogger logger, string listener, string endpoint);
}
