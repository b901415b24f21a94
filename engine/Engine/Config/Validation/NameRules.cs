using System.Text.RegularExpressions;

namespace Engine.Config.Validation;

/// <summary>
/// DNS and Kubernetes name rules as Istio applies them (istio/istio <c>pkg/config/labels</c>,
/// <c>validation/agent</c>). Note Istio's DNS-1123 label allows upper case.
/// </summary>
internal static partial class NameRules
{
    private const int MaxLabelLength = 63;

    public static bool IsDns1123Label(string value) => value.Length <= MaxLabelLength && Dns1123Label().IsMatch(value);

    /// <summary><c>*</c>, <c>*foo</c>, <c>*-foo</c> or a plain label: the first label of a wildcard host.</summary>
    public static bool IsWildcardDns1123Label(string value) => value.Length <= MaxLabelLength && WildcardLabel().IsMatch(value);

    /// <summary>Istio <c>ValidateFQDN</c>: dot-separated DNS-1123 labels, not all-numeric TLD, ≤ 255 chars.</summary>
    public static string? CheckFqdn(string name)
    {
        if (Preconditions(name) is { } error)
        {
            return error;
        }

        return CheckLabels(name);
    }

    /// <summary>Istio <c>ValidateWildcardDomain</c>: like an FQDN but the first label may be a wildcard.</summary>
    public static string? CheckWildcardDomain(string name)
    {
        if (Preconditions(name) is { } error)
        {
            return error;
        }

        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var first = dot < 0 ? name : name[..dot];
        if (!IsWildcardDns1123Label(first))
        {
            return $"domain name \"{name}\" is invalid (label \"{first}\" is invalid)";
        }

        return dot < 0 ? null : CheckLabels(name[(dot + 1)..], name);
    }

    /// <summary>Kubernetes label key (<c>prefix/name</c>) and value rules; null when valid.</summary>
    public static string? CheckLabel(string key, string value)
    {
        var match = LabelKey().Match(key);
        if (!match.Success)
        {
            return $"invalid label key \"{key}\"";
        }

        if (match.Groups[1].Length - 1 > 253)
        {
            return $"invalid label key \"{key}\" (prefix is too long)";
        }

        if (match.Groups[2].Length > MaxLabelLength)
        {
            return $"invalid label key \"{key}\" (name is too long)";
        }

        return LabelValue().IsMatch(value) ? null : $"invalid label value \"{value}\" for key \"{key}\"";
    }

    private static string? Preconditions(string name)
    {
        if (name.Length == 0)
        {
            return "must not be empty";
        }

        return name.Length > 255 ? $"domain name \"{name}\" is too long (max 255)" : null;
    }

    private static string? CheckLabels(string domain, string? whole = null)
    {
        var parts = domain.Split('.');
        var tld = parts[^1];
        if (tld.Length > 0 && tld.All(char.IsAsciiDigit))
        {
            return $"domain name \"{whole ?? domain}\" is invalid (top level domain \"{tld}\" cannot be all-numeric)";
        }

        for (var i = 0; i < parts.Length; i++)
        {
            // A trailing dot (absolute name) is allowed.
            if (i == parts.Length - 1 && parts[i].Length == 0 && i > 0)
            {
                return null;
            }

            if (!IsDns1123Label(parts[i]))
            {
                return $"domain name \"{whole ?? domain}\" is invalid (label \"{parts[i]}\" is invalid)";
            }
        }

        return null;
    }

    [GeneratedRegex("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^(?:\*|(?:\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)$")]
    private static partial Regex WildcardLabel();

    [GeneratedRegex(@"^([a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)*/)?((?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")]
    private static partial Regex LabelKey();

    [GeneratedRegex(@"^(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();
}
