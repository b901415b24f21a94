using Engine.Config.Model;
using Engine.Config.Yaml;
using static Engine.Config.Binding.CommonBinders;

namespace Engine.Config.Binding;

/// <summary>Binds ServiceEntry (<c>service_entry.proto</c>) and WorkloadEntry (<c>workload_entry.proto</c>) specs.</summary>
internal static class ServiceEntryBinder
{
    private static readonly EnumTable<ServiceEntryLocation> Locations = new(
        ("MESH_EXTERNAL", 0, ServiceEntryLocation.MeshExternal),
        ("MESH_INTERNAL", 1, ServiceEntryLocation.MeshInternal));

    private static readonly EnumTable<ServiceEntryResolution> Resolutions = new(
        ("NONE", 0, ServiceEntryResolution.None),
        ("STATIC", 1, ServiceEntryResolution.Static),
        ("DNS", 2, ServiceEntryResolution.Dns),
        ("DNS_ROUND_ROBIN", 3, ServiceEntryResolution.DnsRoundRobin),
        ("DYNAMIC_DNS", 4, ServiceEntryResolution.DynamicDns));

    public static ServiceEntry? Bind(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new ServiceEntry();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "hosts" => result with { Hosts = r.StringList(f) },
                "addresses" => result with { Addresses = r.StringList(f) },
                "ports" => result with { Ports = r.MessageList(f, ServicePort) },
                "location" => result with { Location = ctx.Enum(f.Value, f.Path, Locations) ?? default },
                "resolution" => result with { Resolution = ctx.Enum(f.Value, f.Path, Resolutions) ?? default },
                "endpoints" => result with { Endpoints = r.MessageList(f, BindWorkloadEntry) },
                "workloadSelector" => result with { WorkloadSelector = r.Message(f, LabelsSelector) },
                "exportTo" => result with { ExportTo = r.StringList(f) },
                "subjectAltNames" => result with { SubjectAltNames = r.StringList(f) },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    /// <summary>A WorkloadEntry spec, standalone or as a ServiceEntry endpoint.</summary>
    public static WorkloadEntry? BindWorkloadEntry(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new WorkloadEntry();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "address" => result with { Address = r.String(f) ?? "" },
                "ports" => result with { Ports = r.UInt32Map(f) },
                "labels" => result with { Labels = r.StringMap(f) },
                "network" => result with { Network = r.String(f) ?? "" },
                "locality" => result with { Locality = r.String(f) ?? "" },
                "weight" => result with { Weight = ctx.UInt32(f.Value, f.Path) ?? 0 },
                "serviceAccount" => result with { ServiceAccount = r.String(f) ?? "" },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }

    private static ServicePort? ServicePort(BindContext ctx, YamlNode node, string path, YamlNode anchor)
    {
        if (FieldReader.Open(ctx, node, path, anchor) is not { } r)
        {
            return null;
        }

        var result = new ServicePort();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "number" => result with { Number = ctx.UInt32(f.Value, f.Path) ?? 0 },
                "protocol" => result with { Protocol = r.String(f) ?? "" },
                "name" => result with { Name = r.String(f) ?? "" },
                "targetPort" => result with { TargetPort = ctx.UInt32(f.Value, f.Path) ?? 0 },
                _ => Unknown(r, f, result),
            };
        }

        return result with { Source = r.Location() };
    }
}
