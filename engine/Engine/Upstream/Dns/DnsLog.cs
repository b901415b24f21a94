using Microsoft.Extensions.Logging;

namespace Engine.Upstream.Dns;

/// <summary>Source-generated log messages of DNS resolution (category <c>engine.dns</c>).</summary>
internal static partial class DnsLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "dns: {Name} resolves to {Addresses} (was {Previous})")]
    public static partial void Changed(ILogger logger, string name, string addresses, string previous);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "dns: resolving {Name} failed ({Error}); keeping {Addresses}")]
    public static partial void Failed(ILogger logger, string name, string error, string addresses);

    [LoggerMessage(EventId = 402, Level = LogLevel.Debug, Message = "dns: resolving {Name} still fails ({Error})")]
    public static partial void StillFailing(ILogger logger, string name, string error);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "dns: endpoints changed; configuration version {Version} published with the new addresses")]
    public static partial void Republished(ILogger logger, long version);

    [LoggerMessage(EventId = 404, Level = LogLevel.Debug, Message = "dns: {Name} unused for {Minutes} min; dropped from the DYNAMIC_DNS cache")]
    public static partial void Expired(ILogger logger, string name, double minutes);
}
