namespace Engine.Telemetry.AccessLogs;

/// <summary>The line formats <c>--access-log-format</c> offers.</summary>
internal enum AccessLogFormat
{
    /// <summary><c>text</c>: the Istio sidecar's default text format (Envoy's default with Istio's extra fields).</summary>
    Text,

    /// <summary><c>envoy</c>: Envoy's own default format, as a plain Envoy prints it.</summary>
    Envoy,

    /// <summary><c>json</c>: one JSON object per line with the keys of Istio's JSON encoding.</summary>
    Json,
}
