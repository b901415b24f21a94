namespace Engine.Admin.Dumps;

/// <summary><c>/server_info</c>: what is running and in which state.</summary>
internal sealed record ServerInfo(
    string Version,
    string State,
    long UptimeSeconds,
    IReadOnlyList<string> Listeners,
    string? Admin,
    long ConfigVersion,
    string AccessLog);
