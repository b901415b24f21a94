using System.CommandLine;
using Engine.Config.Binding;
using Engine.Interception;

namespace Engine.Host.Commands;

/// <summary>
/// The transparent-mode options of <c>engine run</c>: <c>--transparent</c>, the capture ports,
/// the outbound policy, and <c>--uid/--gid</c> to become the proxy user the capture rules exempt.
/// </summary>
internal sealed class TransparentCommandOptions
{
    public Option<bool> Transparent { get; } = new("--transparent")
    {
        Description = "Accept iptables-redirected traffic (scripts/iptables.sh): outbound on --outbound-port, inbound on --inbound-port; run as the proxy uid (--uid or setpriv)",
    };

    public Option<int> OutboundPort { get; } = new("--outbound-port")
    {
        Description = "Outbound capture port (istio-iptables -p)",
        DefaultValueFactory = _ => 15001,
    };

    public Option<int> InboundPort { get; } = new("--inbound-port")
    {
        Description = "Inbound capture port (istio-iptables -z)",
        DefaultValueFactory = _ => 15006,
    };

    public Option<string> OutboundPolicy { get; } = new("--outbound-policy")
    {
        Description = "Unknown destinations: allow-any (pass through, Istio's default) or registry-only (HTTP 502, TCP closed)",
        DefaultValueFactory = _ => "allow-any",
    };

    public Option<string> ProtocolDetectionTimeout { get; } = new("--protocol-detection-timeout")
    {
        Description = "How long to wait for a client's first bytes before treating a connection to an undeclared port as TCP (Istio's protocolDetectionTimeout), e.g. 5s, 100ms",
        DefaultValueFactory = _ => "5s",
    };

    public Option<uint?> Uid { get; } = new("--uid")
    {
        Description = "Become this user before doing anything else (the capture rules exempt it; Istio uses 1337). Needs root",
    };

    public Option<uint?> Gid { get; } = new("--gid")
    {
        Description = "Group to become with --uid (default: the same number)",
    };

    public IEnumerable<Option> All => [Transparent, OutboundPort, InboundPort, OutboundPolicy, ProtocolDetectionTimeout, Uid, Gid];

    /// <summary>Reads the options; null with an error message when one is invalid.</summary>
    public (TransparentOptions? Options, (uint Uid, uint Gid)? Identity, string? Error) Parse(ParseResult result)
    {
        (uint, uint)? identity = result.GetValue(Uid) is { } uid ? (uid, result.GetValue(Gid) ?? uid) : null;
        if (identity is null && result.GetValue(Gid) is not null)
        {
            return (null, null, "--gid needs --uid");
        }

        if (!result.GetValue(Transparent))
        {
            return (null, identity, null);
        }

        var policy = result.GetValue(OutboundPolicy)?.ToLowerInvariant() switch
        {
            "allow-any" or "allow_any" => Interception.OutboundPolicy.AllowAny,
            "registry-only" or "registry_only" => Interception.OutboundPolicy.RegistryOnly,
            _ => (Interception.OutboundPolicy?)null,
        };
        if (policy is null)
        {
            return (null, null, $"--outbound-policy '{result.GetValue(OutboundPolicy)}' is not allow-any or registry-only");
        }

        var outbound = result.GetValue(OutboundPort);
        var inbound = result.GetValue(InboundPort);
        if (outbound is < 1 or > 65535 || inbound is < 1 or > 65535 || outbound == inbound)
        {
            return (null, null, "--outbound-port and --inbound-port must be two different ports in 1..65535");
        }

        if (!DurationParser.TryParse(result.GetValue(ProtocolDetectionTimeout) ?? string.Empty, out var detection, out var durationError) || detection <= TimeSpan.Zero)
        {
            return (null, null, $"--protocol-detection-timeout: {(detection <= TimeSpan.Zero && durationError.Length == 0 ? "must be positive" : durationError)}");
        }

        var options = new TransparentOptions { OutboundPort = outbound, InboundPort = inbound, OutboundPolicy = policy.Value, ProtocolDetectionTimeout = detection };
        return (options, identity, null);
    }
}
