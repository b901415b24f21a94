using System.Text.RegularExpressions;

namespace Engine.Config.Validation;

/// <summary>Header name and value rules for matches and header operations (istio validation.go).</summary>
internal static partial class HeaderRules
{
    /// <summary>The prefix of JWT-claim "headers", only meaningful on gateways.</summary>
    public const string JwtClaimPrefix = "@request.auth.claims.";

    /// <summary>Header names in matches: token characters; a leading ':' (pseudo-header) is accepted.</summary>
    public static string? CheckMatchName(string name)
    {
        if (name.Length == 0)
        {
            return "header name must not be empty";
        }

        if (name.StartsWith(JwtClaimPrefix, StringComparison.Ordinal) && name.Length > JwtClaimPrefix.Length)
        {
            return null;
        }

        return MatchName().IsMatch(name) ? null : $"header name \"{name}\" is not a valid header name";
    }

    /// <summary>request set/add: ':'-prefixed names are internal, except :authority (a host rewrite).</summary>
    public static string? CheckRequestSetName(string name)
    {
        if (name.Length == 0)
        {
            return "header name must not be empty";
        }

        return IsInternal(name) && !IsAuthority(name) ? $"invalid header \"{name}\": header cannot have \":\" prefix" : null;
    }

    /// <summary>request remove and all response operations: no Host, no ':'-prefixed names.</summary>
    public static string? CheckOperationName(string name)
    {
        if (name.Length == 0)
        {
            return "header name must not be empty";
        }

        if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
        {
            return $"invalid header \"{name}\": cannot set Host header";
        }

        return IsInternal(name) ? $"invalid header \"{name}\": header cannot have \":\" prefix" : null;
    }

    /// <summary>CORS allow/expose header names: a token, or <c>*</c>.</summary>
    public static string? CheckCorsName(string name)
    {
        if (name.Length == 0)
        {
            return "header name must not be empty";
        }

        return name == "*" || MatchName().IsMatch(name) ? null : $"header name \"{name}\" is not a valid header name";
    }

    /// <summary>
    /// Header values may contain Envoy substitutions (<c>%HOSTNAME%</c>, <c>%REQ(x-foo)%</c>); a literal
    /// percent sign must be written <c>%%</c>. Control characters other than tab are rejected.
    /// </summary>
    public static string? CheckValue(string value)
    {
        foreach (var c in value)
        {
            if ((c < 0x20 && c != '\t') || c == 0x7F)
            {
                return $"header value \"{value}\" contains a control character";
            }
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '%')
            {
                continue;
            }

            if (i + 1 < value.Length && value[i + 1] == '%')
            {
                i++;
                continue;
            }

            var close = Engine.Routing.Actions.HeaderValue.VariableEnd(value, i + 1);
            if (close < 0 || !Substitution().IsMatch(value.AsSpan(i + 1, close - i - 1)))
            {
                return $"header value \"{value}\" has an invalid %VARIABLE% (write a literal percent sign as %%)";
            }

            var name = value[(i + 1)..close].Split('(', ':')[0];
            if (!Engine.Routing.Actions.HeaderValue.IsKnownVariable(name))
            {
                return $"header value \"{value}\" uses %{name}%, which is not an Envoy header variable";
            }

            i = close;
        }

        return null;
    }

    public static bool IsAuthority(string name)
        => name.Equals(":authority", StringComparison.OrdinalIgnoreCase) || name.Equals("host", StringComparison.OrdinalIgnoreCase);

    private static bool IsInternal(string name) => name.StartsWith(':') || name.Equals("host", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex("^:?[-_A-Za-z0-9]+$")]
    private static partial Regex MatchName();

    [GeneratedRegex(@"^[A-Z][A-Z0-9_]*(?:\(.*\))?(?::[0-9]+)?$")]
    private static partial Regex Substitution();
}
