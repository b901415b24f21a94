using Engine.Config.Model;

namespace Engine.Upstream.Resilience;

/// <summary>
/// DestinationRule <c>outlierDetection</c> with Istio's defaults when present (istio-semantics.md
/// §4.5): 5 consecutive 5xx, gateway errors off, 10 s interval, 30 s base ejection, at most 10 % of
/// hosts ejected (but always at least one), panic threshold 0 (so "all ejected" means 503 UH).
/// </summary>
internal sealed record OutlierSettings(
    int Consecutive5xx,
    int ConsecutiveGatewayErrors,
    int ConsecutiveLocalOriginFailures,
    bool SplitLocalOrigin,
    TimeSpan Interval,
    TimeSpan BaseEjectionTime,
    TimeSpan MaxEjectionTime,
    int MaxEjectionPercent,
    int MinHealthPercent,
    IReadOnlyList<int> ErrorCodes)
{
    public static OutlierSettings? From(OutlierDetection? config)
    {
        if (config is null)
        {
            return null; // no passive health checking at all
        }

        var baseEjection = config.BaseEjectionTime ?? TimeSpan.FromSeconds(30);
        return new OutlierSettings(
            Consecutive5xx: (int)(config.Consecutive5xxErrors ?? 5),
            ConsecutiveGatewayErrors: (int)(config.ConsecutiveGatewayErrors ?? 0),
            ConsecutiveLocalOriginFailures: (int)(config.ConsecutiveLocalOriginFailures ?? 5),
            SplitLocalOrigin: config.SplitExternalLocalOriginErrors,
            Interval: config.Interval ?? TimeSpan.FromSeconds(10),
            BaseEjectionTime: baseEjection,
            MaxEjectionTime: baseEjection > TimeSpan.FromSeconds(300) ? baseEjection : TimeSpan.FromSeconds(300),
            MaxEjectionPercent: config.MaxEjectionPercent > 0 ? config.MaxEjectionPercent : 10,
            MinHealthPercent: config.MinHealthPercent,
            ErrorCodes: config.OutlierDetectionHttpErrorCodes.Select(c => (int)c).ToArray());
    }

    /// <summary>Does this status count as an error for consecutive5xxErrors?</summary>
    public bool IsError(int status) => ErrorCodes.Count > 0 ? ErrorCodes.Contains(status) : status >= 500;

    public static bool IsGatewayError(int status) => status is 502 or 503 or 504;
}
