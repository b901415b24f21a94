using System.Globalization;
using Engine.Config.Model;
using Engine.Config.Yaml;

namespace Engine.Config.Binding;

/// <summary>
/// Binds a YAML document to a Kubernetes-style resource: <c>apiVersion</c>, <c>kind</c>,
/// <c>metadata</c>, <c>spec</c> (and an ignored <c>status</c>). Kinds the sidecar does not use are
/// skipped with a warning; <c>kind: List</c> (kubectl get -o yaml output) is unwrapped.
/// </summary>
internal static class ResourceBinder
{
    private static readonly string[] ApiVersions =
    [
        "networking.istio.io/v1",
        "networking.istio.io/v1beta1",
        "networking.istio.io/v1alpha3",
    ];

    public static void BindDocument(BindContext ctx, YamlDocument document, string defaultNamespace, List<LoadedResource> output)
    {
        if (document.Root is null)
        {
            return;
        }

        if (document.Root is not YamlMapping mapping)
        {
            ctx.BeginResource(null, null);
            ctx.Error(document.Root, "", $"expected a Kubernetes resource (a mapping with apiVersion, kind, metadata and spec), got {document.Root.Description}");
            return;
        }

        BindResource(ctx, mapping, defaultNamespace, output, allowList: true);
    }

    private static void BindResource(BindContext ctx, YamlMapping mapping, string defaultNamespace, List<LoadedResource> output, bool allowList)
    {
        var kindNode = Find(mapping, "kind") as YamlScalar;
        var kind = kindNode is { IsNull: false } ? kindNode.Value : null;
        var name = (Find(mapping, "metadata") is YamlMapping meta ? Find(meta, "name") : null) is YamlScalar { IsNull: false } n ? n.Value : null;
        ctx.BeginResource(kind, name);
        if (kind is null)
        {
            ctx.Error(kindNode ?? (YamlNode)mapping, "kind", "kind is required");
            return;
        }

        if (kind == "List" && allowList)
        {
            BindList(ctx, mapping, defaultNamespace, output);
            return;
        }

        if (!TryParseKind(kind, out var resourceKind))
        {
            ctx.Warning(kindNode!, "", $"skipped: kind {kind} is not used by the sidecar (only VirtualService, DestinationRule, ServiceEntry and WorkloadEntry are)");
            return;
        }

        string? apiVersion = null;
        ResourceMetadata? metadata = null;
        ModelNode? spec = null;
        YamlScalar? specKey = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            if (!seen.Add(key.Value))
            {
                ctx.Error(key, key.Value, $"duplicate field \"{key.Value}\"");
                continue;
            }

            switch (key.Value)
            {
                case "apiVersion":
                    apiVersion = BindApiVersion(ctx, value, kind);
                    break;
                case "kind" or "status":
                    break;
                case "metadata":
                    metadata = BindMetadata(ctx, value, key, defaultNamespace);
                    break;
                case "spec":
                    specKey = key;
                    spec = BindSpec(ctx, resourceKind, value, key);
                    break;
                default:
                    ctx.Error(key, key.Value, $"unknown field \"{key.Value}\"");
                    break;
            }
        }

        if (!seen.Contains("apiVersion"))
        {
            ctx.Error(mapping, "apiVersion", "apiVersion is required");
        }

        if (string.IsNullOrEmpty(metadata?.Name) && !ctx.FailedPaths.Contains("metadata"))
        {
            ctx.Error(mapping, "metadata.name", "metadata.name is required");
        }

        if (spec is null)
        {
            if (!ctx.FailedPaths.Contains("spec"))
            {
                ctx.Error(specKey ?? (YamlNode)mapping, "spec", "spec is required");
            }

            return;
        }

        metadata ??= new ResourceMetadata { Namespace = defaultNamespace };
        var source = new SourceLocation(ctx.File, mapping.Line, mapping.Column, "");
        object resource = resourceKind switch
        {
            ResourceKind.VirtualService => new IstioResource<VirtualService>(apiVersion ?? "", resourceKind, metadata, (VirtualService)spec, source),
            ResourceKind.DestinationRule => new IstioResource<DestinationRule>(apiVersion ?? "", resourceKind, metadata, (DestinationRule)spec, source),
            ResourceKind.ServiceEntry => new IstioResource<ServiceEntry>(apiVersion ?? "", resourceKind, metadata, (ServiceEntry)spec, source),
            _ => new IstioResource<WorkloadEntry>(apiVersion ?? "", resourceKind, metadata, (WorkloadEntry)spec, source),
        };
        output.Add(new LoadedResource(resourceKind, resource, new HashSet<string>(ctx.FailedPaths, StringComparer.Ordinal)));
    }

    private static void BindList(BindContext ctx, YamlMapping mapping, string defaultNamespace, List<LoadedResource> output)
    {
        switch (Find(mapping, "items"))
        {
            case null or YamlScalar { IsNull: true }:
                return;
            case YamlSequence items:
                foreach (var item in items.Items)
                {
                    if (item is YamlMapping resource)
                    {
                        BindResource(ctx, resource, defaultNamespace, output, allowList: false);
                    }
                    else
                    {
                        ctx.BeginResource("List", null);
                        ctx.Error(item, "items", $"expected a resource mapping, got {item.Description}");
                    }
                }

                return;
            case var other:
                ctx.Error(other, "items", $"expected a list, got {other.Description}");
                return;
        }
    }

    private static string? BindApiVersion(BindContext ctx, YamlNode value, string kind)
    {
        var apiVersion = ctx.String(value, "apiVersion");
        if (apiVersion is null)
        {
            ctx.Error(value, "apiVersion", "apiVersion is required");
        }
        else if (!ApiVersions.Contains(apiVersion))
        {
            ctx.Error(value, "apiVersion", $"unsupported apiVersion \"{apiVersion}\" for {kind} (expected networking.istio.io/v1, v1beta1 or v1alpha3)");
        }

        return apiVersion;
    }

    private static ModelNode? BindSpec(BindContext ctx, ResourceKind kind, YamlNode value, YamlNode anchor) => kind switch
    {
        ResourceKind.VirtualService => VirtualServiceBinder.Bind(ctx, value, "spec", anchor),
        ResourceKind.DestinationRule => DestinationRuleBinder.Bind(ctx, value, "spec", anchor),
        ResourceKind.ServiceEntry => ServiceEntryBinder.Bind(ctx, value, "spec", anchor),
        _ => ServiceEntryBinder.BindWorkloadEntry(ctx, value, "spec", anchor),
    };

    /// <summary>name, namespace, labels, annotations, creationTimestamp; every other metadata field (uid, resourceVersion, managedFields…) is tolerated.</summary>
    private static ResourceMetadata? BindMetadata(BindContext ctx, YamlNode node, YamlNode anchor, string defaultNamespace)
    {
        if (FieldReader.Open(ctx, node, "metadata", anchor) is not { } r)
        {
            return null;
        }

        var result = new ResourceMetadata();
        foreach (var f in r.Fields())
        {
            result = f.Name switch
            {
                "name" => result with { Name = r.String(f) ?? "" },
                "namespace" => result with { Namespace = r.String(f) ?? "" },
                "labels" => result with { Labels = r.StringMap(f) },
                "annotations" => result with { Annotations = r.StringMap(f) },
                "creationTimestamp" => result with { CreationTimestamp = Timestamp(ctx, f) },
                _ => result,
            };
        }

        if (result.Namespace.Length == 0)
        {
            result = result with { Namespace = defaultNamespace };
        }

        return result with { Source = r.Location() };
    }

    /// <summary>RFC 3339, as Kubernetes writes it (<c>2024-05-01T10:00:00Z</c>).</summary>
    private static DateTimeOffset? Timestamp(BindContext ctx, YamlField f)
    {
        if (ctx.String(f.Value, f.Path) is not { } text)
        {
            return null;
        }

        if (DateTimeOffset.TryParseExact(
                text,
                ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"],
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal,
                out var value))
        {
            return value;
        }

        ctx.Error(f.Value, f.Path, $"expected an RFC 3339 timestamp such as 2024-05-01T10:00:00Z, got \"{text}\"");
        return null;
    }

    private static bool TryParseKind(string kind, out ResourceKind value)
    {
        (var ok, value) = kind switch
        {
            "VirtualService" => (true, ResourceKind.VirtualService),
            "DestinationRule" => (true, ResourceKind.DestinationRule),
            "ServiceEntry" => (true, ResourceKind.ServiceEntry),
            "WorkloadEntry" => (true, ResourceKind.WorkloadEntry),
            _ => (false, default(ResourceKind)),
        };
        return ok;
    }

    private static YamlNode? Find(YamlMapping mapping, string key)
    {
        foreach (var entry in mapping.Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry.Value;
            }
        }

        return null;
    }
}
