using Engine.Config.Model;
using static Engine.Config.Validation.CommonChecks;

namespace Engine.Config.Validation;

/// <summary>WorkloadEntry rules (<c>validateWorkloadEntry</c>), standalone and as ServiceEntry endpoints.</summary>
internal static class WorkloadEntryValidator
{
    private const string UnixPrefix = "unix://";

    public static void Validate(IstioResource<WorkloadEntry> resource, ResourceReporter r)
        => Endpoint(r, resource.Spec, servicePortNames: null, allowHostNames: true);

    /// <summary>
    /// Address required unless a network is set; an IP, a <c>unix://</c> absolute path (no ports), or —
    /// where <paramref name="allowHostNames"/> (DNS resolution, standalone entries) — a host name. Port
    /// names must name a service port when <paramref name="servicePortNames"/> is given.
    /// </summary>
    public static void Endpoint(ResourceReporter r, WorkloadEntry we, HashSet<string>? servicePortNames, bool allowHostNames)
    {
        var s = we.Source;
        var address = we.Address;
        if (address.Length == 0)
        {
            if (we.Network.Length == 0)
            {
                r.Error(s, "address", "address is required (unless network is set)");
                return;
            }

            r.Warning(s, "address", $"address is unset with network \"{we.Network}\"");
        }

        var unix = address.StartsWith(UnixPrefix, StringComparison.Ordinal);
        if (unix)
        {
            var path = address[UnixPrefix.Length..];
            if (path.Length == 0 || (!path.StartsWith('@') && (!path.StartsWith('/') || path.EndsWith('/'))))
            {
                r.Error(s, "address", $"\"{path}\" is not an absolute path to a unix socket");
            }

            if (we.Ports.Count != 0)
            {
                r.Error(s, "ports", $"unix endpoint {address} must not include ports");
            }

            if (servicePortNames is not null && servicePortNames.Count != 1)
            {
                r.Error(s, "address", "exactly 1 service port is required for unix endpoints");
            }
        }
        else if (address.Length > 0 && !NetAddress.IsIp(address))
        {
            if (!allowHostNames)
            {
                r.Error(s, "address", $"endpoint address \"{address}\" is not a valid IP address");
            }
            else if (NameRules.CheckFqdn(address) is not null)
            {
                r.Error(s, "address", $"endpoint address \"{address}\" is not a valid FQDN or an IP address");
            }
        }

        foreach (var (name, port) in we.Ports)
        {
            var field = SourceLocation.Join("ports", SourceLocation.KeySegment(name));
            if (servicePortNames is not null && !servicePortNames.Contains(name))
            {
                r.Error(s, field, $"endpoint port \"{name}\" is not defined by the service entry");
            }

            if (!NameRules.IsDns1123Label(name))
            {
                r.Error(s, field, $"invalid port name \"{name}\"");
            }

            if (ValueRules.CheckPort(port) is { } error)
            {
                r.Error(s, field, error);
            }
        }

        Labels(r, s, "labels", we.Labels);
        if (we.Locality.Length > 0 && we.Locality.Split('/').Any(part => part.Length == 0))
        {
            r.Error(s, "locality", $"locality \"{we.Locality}\" must be region/zone/subzone without empty parts");
        }
    }
}
