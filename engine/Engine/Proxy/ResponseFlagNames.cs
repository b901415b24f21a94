using System.Text;

namespace Engine.Proxy;

/// <summary>Envoy's short codes for <see cref="ResponseFlags"/>, in Envoy's order, comma-separated; "-" when none.</summary>
internal static class ResponseFlagNames
{
    private static readonly (ResponseFlags Flag, string Code)[] Codes =
    [
        (ResponseFlags.NoHealthyUpstream, "UH"),
        (ResponseFlags.UpstreamConnectionFailure, "UF"),
        (ResponseFlags.UpstreamOverflow, "UO"),
        (ResponseFlags.NoRoute, "NR"),
        (ResponseFlags.UpstreamRetryLimitExceeded, "URX"),
        (ResponseFlags.NoClusterFound, "NC"),
        (ResponseFlags.UpstreamRequestTimeout, "UT"),
        (ResponseFlags.UpstreamRemoteReset, "UR"),
        (ResponseFlags.UpstreamConnectionTermination, "UC"),
        (ResponseFlags.DownstreamConnectionTermination, "DC"),
        (ResponseFlags.DelayInjected, "DI"),
        (ResponseFlags.FaultInjected, "FI"),
        (ResponseFlags.UpstreamProtocolError, "UPE"),
        (ResponseFlags.DownstreamProtocolError, "DPE"),
        (ResponseFlags.DnsResolutionFailed, "DF"),
    ];

    /// <summary>Every flag with its code, in Envoy's order (the access log and the metrics walk it).</summary>
    public static ReadOnlySpan<(ResponseFlags Flag, string Code)> All => Codes;

    public static string Format(ResponseFlags flags)
    {
        if (flags == ResponseFlags.None)
        {
            return "-";
        }

        var builder = new StringBuilder();
        foreach (var (flag, code) in Codes)
        {
            if ((flags & flag) != 0)
            {
                if (builder.Length > 0)
                {
                    builder.Append(',');
                }

                builder.Append(code);
            }
        }

        return builder.ToString();
    }
}
