using Microsoft.Extensions.Logging;

namespace Engine.Admin;

/// <summary>Source-generated log messages of the admin listener.</summary>
internal static partial class AdminLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Error, Message = "admin accept loop failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "admin request failed")]
    public static partial void RequestFailed(ILogger logger, Exception exception);
}
