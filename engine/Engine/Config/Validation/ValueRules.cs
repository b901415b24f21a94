using System.Globalization;
using Engine.Config.Binding;

namespace Engine.Config.Validation;

/// <summary>Small shared value rules: durations, percentages, ports, HTTP methods, gRPC status names.</summary>
internal static class ValueRules
{
    public static readonly HashSet<string> HttpMethods = new(StringComparer.Ordinal)
    {
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE",
    };

    /// <summary>Istio's <c>grpc.SupportedGRPCStatus</c>.</summary>
    public static readonly HashSet<string> GrpcStatuses = new(StringComparer.Ordinal)
    {
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    };

    /// <summary>Envoy <c>x-envoy-retry-on</c> and <c>x-envoy-retry-grpc-on</c> policies Istio accepts.</summary>
    public static readonly HashSet<string> RetryOnPolicies = new(StringComparer.Ordinal)
    {
        "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx",
        "refused-stream", "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
        "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable",
    };

    /// <summary>Status codes Go's <c>http.StatusText</c> knows (Istio accepts these in retryOn).</summary>
    private static readonly HashSet<int> KnownStatusCodes =
    [
        100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
        300, 301, 302, 303, 304, 305, 307, 308,
        400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418,
        421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
        500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
    ];

    /// <summary>Istio <c>ValidateDuration</c>: at least 1 ms and a whole number of milliseconds.</summary>
    public static string? CheckDuration(TimeSpan value)
    {
        if (value < TimeSpan.FromMilliseconds(1))
        {
            return $"duration must be at least 1ms (got {DurationParser.Format(value)})";
        }

        return value.Ticks % TimeSpan.TicksPerMillisecond != 0
            ? $"duration must be a whole number of milliseconds (got {DurationParser.Format(value)})"
            : null;
    }

    /// <summary>Istio Percent fields: 0, or 0.0001 to 100 (Envoy's million denominator).</summary>
    public static string? CheckPercentage(double value)
        => value < 0 || value > 100 || (value > 0 && value < 0.0001)
            ? $"percentage {value.ToString(CultureInfo.InvariantCulture)} must be 0 or between 0.0001 and 100"
            : null;

    public static string? CheckPort(long port)
        => port is >= 1 and <= 65535 ? null : $"port number {port} must be in the range 1..65535";

    public static bool IsRetryOnToken(string token)
        => RetryOnPolicies.Contains(token)
            || (int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && KnownStatusCodes.Contains(code));
}
