using System.Collections.Immutable;
using Engine.Config.Binding;
using Engine.Config.Model;
using Engine.Config.Validation;
using Engine.Config.Yaml;

namespace Engine.Config;

/// <summary>
/// Loads Istio YAML from files and folders: parse every file (a syntax error skips that file but
/// not the others), bind every document, validate every resource as istiod would, then — only if
/// there is no error at all — build one immutable <see cref="ConfigSnapshot"/>. Every problem is
/// reported, each with file, line, resource and YAML path.
/// </summary>
internal static class ConfigLoader
{
    /// <summary>
    /// <paramref name="paths"/>: files, or folders searched recursively for <c>*.yaml</c>/<c>*.yml</c>
    /// (sorted by ordinal path for determinism). <paramref name="defaultNamespace"/> applies to
    /// resources without <c>metadata.namespace</c>.
    /// </summary>
    public static ConfigLoadResult Load(IReadOnlyList<string> paths, string defaultNamespace)
    {
        var bag = new DiagnosticBag();
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (paths.Count == 0)
        {
            bag.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, "", 0, null, null, null, "no configuration path given"));
        }

        foreach (var path in paths)
        {
            Discover(path, files, seen, bag);
        }

        var loaded = new List<(string File, LoadedResource Resource)>();
        foreach (var file in files)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                bag.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, file, 0, null, null, null, $"cannot read file: {e.Message}"));
                continue;
            }

            Parse(text, file, defaultNamespace, bag, loaded);
        }

        return Finish(loaded, files, defaultNamespace, bag);
    }

    /// <summary>Loads one YAML text as if it were the file <paramref name="fileName"/> (tests, admin endpoints).</summary>
    public static ConfigLoadResult LoadText(string yaml, string fileName, string defaultNamespace)
    {
        var bag = new DiagnosticBag();
        var loaded = new List<(string File, LoadedResource Resource)>();
        Parse(yaml, fileName, defaultNamespace, bag, loaded);
        return Finish(loaded, [fileName], defaultNamespace, bag);
    }

    private static void Discover(string path, List<string> files, HashSet<string> seen, DiagnosticBag bag)
    {
        if (File.Exists(path))
        {
            AddOnce(files, seen, path);
            return;
        }

        if (!Directory.Exists(path))
        {
            bag.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, path, 0, null, null, null, "no such file or directory"));
            return;
        }

        var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(IsYaml)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (found.Count == 0)
        {
            bag.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, path, 0, null, null, null, "no YAML files (*.yaml, *.yml) in directory"));
        }

        foreach (var file in found)
        {
            AddOnce(files, seen, file);
        }
    }

    private static bool IsYaml(string file)
        => file.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    /// <summary>A file reachable through several given paths is read once, under the first spelling.</summary>
    private static void AddOnce(List<string> files, HashSet<string> seen, string file)
    {
        if (seen.Add(Path.GetFullPath(file)))
        {
            files.Add(file);
        }
    }

    private static void Parse(string text, string file, string defaultNamespace, DiagnosticBag bag, List<(string, LoadedResource)> loaded)
    {
        var stream = YamlTreeReader.Read(text);
        if (stream.Error is { } syntax)
        {
            // The parser cannot recover; nothing from this file is used, the other files still load.
            bag.Add(new ConfigDiagnostic(DiagnosticSeverity.Error, file, syntax.Line, null, null, null, "YAML syntax error: " + syntax.Message) { Column = syntax.Column });
            return;
        }

        var ctx = new BindContext(file, bag);
        var resources = new List<LoadedResource>();
        foreach (var document in stream.Documents)
        {
            ResourceBinder.BindDocument(ctx, document, defaultNamespace, resources);
        }

        loaded.AddRange(resources.Select(r => (file, r)));
    }

    private static ConfigLoadResult Finish(List<(string File, LoadedResource Resource)> loaded, IReadOnlyList<string> files, string defaultNamespace, DiagnosticBag bag)
    {
        var virtualServices = ImmutableArray.CreateBuilder<IstioResource<VirtualService>>();
        var destinationRules = ImmutableArray.CreateBuilder<IstioResource<DestinationRule>>();
        var serviceEntries = ImmutableArray.CreateBuilder<IstioResource<ServiceEntry>>();
        var workloadEntries = ImmutableArray.CreateBuilder<IstioResource<WorkloadEntry>>();
        var identities = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var (_, item) in loaded)
        {
            switch (item.Resource)
            {
                case IstioResource<VirtualService> vs:
                    VirtualServiceValidator.Validate(vs, Reporter(bag, vs, item));
                    CheckUnique(bag, identities, vs);
                    virtualServices.Add(vs);
                    break;
                case IstioResource<DestinationRule> dr:
                    DestinationRuleValidator.Validate(dr, Reporter(bag, dr, item));
                    CheckUnique(bag, identities, dr);
                    destinationRules.Add(dr);
                    break;
                case IstioResource<ServiceEntry> se:
                    ServiceEntryValidator.Validate(se, Reporter(bag, se, item));
                    CheckUnique(bag, identities, se);
                    serviceEntries.Add(se);
                    break;
                case IstioResource<WorkloadEntry> we:
                    WorkloadEntryValidator.Validate(we, Reporter(bag, we, item));
                    CheckUnique(bag, identities, we);
                    workloadEntries.Add(we);
                    break;
            }
        }

        var snapshot = bag.ErrorCount > 0
            ? null
            : new ConfigSnapshot(
                virtualServices.ToImmutable(),
                destinationRules.ToImmutable(),
                serviceEntries.ToImmutable(),
                workloadEntries.ToImmutable(),
                [.. files],
                defaultNamespace);
        return new ConfigLoadResult(snapshot, bag.ToSortedArray(files));
    }

    private static ResourceReporter Reporter<T>(DiagnosticBag bag, IstioResource<T> resource, LoadedResource item)
        where T : ModelNode
        => new(bag, resource.Kind.ToString(), resource.Name, resource.Namespace, item.FailedPaths);

    /// <summary>Two definitions of the same kind/namespace/name would silently shadow each other; that is an error.</summary>
    private static void CheckUnique<T>(DiagnosticBag bag, Dictionary<string, SourceLocation> identities, IstioResource<T> resource)
        where T : ModelNode
    {
        if (resource.Name.Length == 0)
        {
            return;
        }

        if (identities.TryGetValue(resource.DisplayName, out var first))
        {
            bag.Add(new ConfigDiagnostic(
                DiagnosticSeverity.Error,
                resource.Source.File,
                resource.Source.Line,
                resource.Kind.ToString(),
                resource.Name,
                null,
                $"{resource.Kind} {resource.Namespace}/{resource.Name} is defined more than once (first at {first.File}:{first.Line})"));
            return;
        }

        identities[resource.DisplayName] = resource.Source;
    }
}
