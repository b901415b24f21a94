using System.Collections.Immutable;
using Engine.Config.Model;

namespace Engine.Config.Validation;

/// <summary>Checks shared by the kinds: destinations, string matches, labels, header operations, exportTo.</summary>
internal static class CommonChecks
{
    public static void Duration(ResourceReporter r, SourceLocation owner, string field, TimeSpan? value)
    {
        if (value is { } v && ValueRules.CheckDuration(v) is { } error)
        {
            r.Error(owner, field, error);
        }
    }

    public static void Percentage(ResourceReporter r, SourceLocation owner, string field, double? value)
    {
        if (value is { } v && ValueRules.CheckPercentage(v) is { } error)
        {
            r.Error(owner.Field(field), error);
        }
    }

    public static void Port(ResourceReporter r, SourceLocation owner, string field, uint port)
    {
        if (port != 0 && ValueRules.CheckPort(port) is { } error)
        {
            r.Error(owner, field, error);
        }
    }

    /// <summary>Istio <c>validateDestination</c>: host required and not <c>*</c>, subset a DNS label, port in range.</summary>
    public static void Destination(ResourceReporter r, Destination d)
    {
        if (d.Host == "*")
        {
            r.Error(d.Source, "host", "invalid destination host *");
        }
        else if (d.Host.Length == 0)
        {
            r.Error(d.Source, "host", "host is required");
        }
        else if (NameRules.CheckWildcardDomain(d.Host) is { } error)
        {
            r.Error(d.Source, "host", error);
        }

        if (d.Subset.Length > 0 && !NameRules.IsDns1123Label(d.Subset))
        {
            r.Error(d.Source, "subset", $"subset name \"{d.Subset}\" is invalid (must be a DNS-1123 label)");
        }

        if (d.Port is { } port)
        {
            if (port.Number == 0 && !r.Failed(port.Source, "number"))
            {
                r.Error(port.Source, "number", "port number must be in the range 1..65535");
            }
            else
            {
                Port(r, port.Source, "number", port.Number);
            }
        }
    }

    /// <summary>Istio <c>validateStringMatch</c>: non-empty prefix (unless allowed), valid RE2 regex.</summary>
    public static void StringMatch(ResourceReporter r, StringMatch? m, bool allowEmptyPrefix = false)
    {
        switch (m?.Kind)
        {
            case StringMatchKind.Prefix when m.Value.Length == 0 && !allowEmptyPrefix:
                r.Error(m.Source, "prefix", "prefix string match must not be empty");
                break;
            case StringMatchKind.Regex when Re2Pattern.Validate(m.Value) is { } error:
                r.Error(m.Source, "regex", error + "; Istio uses RE2 syntax (https://github.com/google/re2/wiki/Syntax)");
                break;
        }
    }

    public static void Labels(ResourceReporter r, SourceLocation owner, string field, OrderedMap<string> labels)
    {
        foreach (var (key, value) in labels)
        {
            if (NameRules.CheckLabel(key, value) is { } error)
            {
                r.Error(owner, SourceLocation.Join(field, SourceLocation.KeySegment(key)), error);
            }
        }
    }

    /// <summary>Istio selector rules: no empty keys, no wildcards; an empty selector is a warning.</summary>
    public static void WorkloadSelector(ResourceReporter r, WorkloadSelector? selector, string labelsField)
    {
        if (selector is null)
        {
            return;
        }

        foreach (var (key, value) in selector.Labels)
        {
            var at = selector.Source.Field(SourceLocation.Join(labelsField, SourceLocation.KeySegment(key)));
            if (key.Length == 0)
            {
                r.Error(at, "empty key is not supported in a selector");
            }

            if (key.Contains('*', StringComparison.Ordinal) || value.Contains('*', StringComparison.Ordinal))
            {
                r.Error(at, $"wildcard is not supported in a selector: \"{key}={value}\"");
            }
        }

        if (selector.Labels.Count == 0)
        {
            r.Warning(selector.Source, "workload selector without labels selects every workload in the namespace");
        }
    }

    /// <summary>Route- and destination-level header operations.</summary>
    public static void Headers(ResourceReporter r, Headers? headers)
    {
        if (headers?.Request is { } request)
        {
            foreach (var (name, value) in request.Set)
            {
                Report(r, request.Source, "set", name, HeaderRules.CheckRequestSetName(name) ?? HeaderRules.CheckValue(value));
            }

            foreach (var (name, value) in request.Add)
            {
                Report(r, request.Source, "add", name, HeaderRules.CheckRequestSetName(name) ?? HeaderRules.CheckValue(value));
            }

            for (var i = 0; i < request.Remove.Length; i++)
            {
                if (HeaderRules.CheckOperationName(request.Remove[i]) is { } error)
                {
                    r.Error(request.Source, $"remove[{i}]", error);
                }
            }
        }

        if (headers?.Response is { } response)
        {
            foreach (var (name, value) in response.Set)
            {
                Report(r, response.Source, "set", name, HeaderRules.CheckOperationName(name) ?? HeaderRules.CheckValue(value));
            }

            foreach (var (name, value) in response.Add)
            {
                Report(r, response.Source, "add", name, HeaderRules.CheckOperationName(name) ?? HeaderRules.CheckValue(value));
            }

            for (var i = 0; i < response.Remove.Length; i++)
            {
                if (HeaderRules.CheckOperationName(response.Remove[i]) is { } error)
                {
                    r.Error(response.Source, $"remove[{i}]", error);
                }
            }
        }
    }

    /// <summary>
    /// Istio <c>validateExportTo</c>: <c>.</c>, <c>*</c> or namespace names, no duplicates, <c>*</c>
    /// alone; <c>~</c> (no one) only for ServiceEntry and alone.
    /// </summary>
    public static void ExportTo(ResourceReporter r, SourceLocation owner, ImmutableArray<string> exportTo, bool isServiceEntry, bool hasWorkloadSelector = false)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < exportTo.Length; i++)
        {
            var entry = exportTo[i];
            var key = entry == "." ? r.Namespace : entry;
            var at = owner.Field($"exportTo[{i}]");
            if (!seen.Add(key))
            {
                r.Error(at, key == entry ? $"duplicate entry \"{entry}\" in exportTo" : $"duplicate entries in exportTo: . and the current namespace {r.Namespace}");
                continue;
            }

            var valid = entry is "." or "*" || (entry == "~" && isServiceEntry) || NameRules.IsDns1123Label(entry);
            if (!valid)
            {
                r.Error(at, $"invalid exportTo value \"{entry}\" (use \".\", \"*\" or a namespace name)");
            }
        }

        if (seen.Contains("*") && exportTo.Length > 1)
        {
            r.Error(owner, "exportTo", "cannot have both public (*) and non-public exportTo values");
        }

        if (seen.Contains("~") && exportTo.Length > 1)
        {
            r.Error(owner, "exportTo", "cannot export a service entry to no one (~) and someone");
        }

        if (hasWorkloadSelector && seen.Count > 0 && !(seen.Count == 1 && seen.Contains(r.Namespace)))
        {
            r.Error(owner, "exportTo", "a destination rule with a workload selector can only be exported to its own namespace");
        }
    }

    /// <summary>Gateway references: <c>ns/name</c> (both DNS labels), or a name/legacy FQDN.</summary>
    public static void GatewayNames(ResourceReporter r, SourceLocation owner, string field, ImmutableArray<string> gateways)
    {
        for (var i = 0; i < gateways.Length; i++)
        {
            var gateway = gateways[i];
            var at = owner.Field($"{field}[{i}]");
            var slash = gateway.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                if (NameRules.CheckFqdn(gateway) is { } error)
                {
                    r.Error(at, $"invalid gateway name \"{gateway}\": {error}");
                }
                else if (gateway.Contains('.', StringComparison.Ordinal))
                {
                    var parts = gateway.Split('.');
                    r.Warning(at, $"legacy gateway name format \"{gateway}\"; prefer <namespace>/<name>: \"{parts[1]}/{parts[0]}\"");
                }

                continue;
            }

            var (ns, name) = (gateway[..slash], gateway[(slash + 1)..]);
            if (ns.Length == 0 || name.Length == 0)
            {
                r.Error(at, "gateway namespace and name must not be empty");
            }
            else if (!NameRules.IsDns1123Label(ns))
            {
                r.Error(at, $"invalid gateway namespace \"{ns}\"");
            }
            else if (!NameRules.IsDns1123Label(name))
            {
                r.Error(at, $"invalid gateway name \"{name}\"");
            }
        }
    }

    private static void Report(ResourceReporter r, SourceLocation owner, string field, string name, string? error)
    {
        if (error is not null)
        {
            r.Error(owner, SourceLocation.Join(field, SourceLocation.KeySegment(name)), error);
        }
    }
}
