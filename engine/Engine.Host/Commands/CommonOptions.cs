using System.CommandLine;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Engine.Host.Commands;

/// <summary>Options several verbs share, and their parsing.</summary>
internal static class CommonOptions
{
    public static Option<string[]> Config(bool required) => new("--config")
    {
        Description = "A YAML file or a folder of them (repeatable; multi-document files allowed)",
        Required = required,
        Arity = required ? ArgumentArity.OneOrMore : ArgumentArity.ZeroOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<string> Namespace() => new("--namespace")
    {
        Description = "Namespace of resources that name none, and the sidecar's own namespace",
        DefaultValueFactory = _ => "default",
    };

    public static Option<string> Listen(string description) => new("--listen")
    {
        Description = description,
        Required = true,
    };

    public static Option<string> LogLevel() => new("--log-level")
    {
        Description = "trace, debug, info, warn or error",
        DefaultValueFactory = _ => "info",
    };

    /// <summary>Parses HOST:PORT (IPv4, [IPv6] or localhost).</summary>
    public static bool TryParseEndpoint(string text, out IPEndPoint endpoint)
    {
        if (text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase))
        {
            text = "127.0.0.1" + text["localhost".Length..];
        }

        // A port must be written (":0" asks for a free one); IPEndPoint.TryParse would default it.
        return IPEndPoint.TryParse(text, out endpoint!) && text.LastIndexOf(':') > text.LastIndexOf(']');
    }

    public static LogLevel ParseLogLevel(string text) => text.ToLowerInvariant() switch
    {
        "trace" => Microsoft.Extensions.Logging.LogLevel.Trace,
        "debug" => Microsoft.Extensions.Logging.LogLevel.Debug,
        "warn" or "warning" => Microsoft.Extensions.Logging.LogLevel.Warning,
        "error" => Microsoft.Extensions.Logging.LogLevel.Error,
        _ => Microsoft.Extensions.Logging.LogLevel.Information,
    };

    /// <summary>Parses "app=x,version=v1".</summary>
    public static bool TryParseLabels(string? text, out Dictionary<string, string> labels, out string error)
    {
        labels = new Dictionary<string, string>(StringComparer.Ordinal);
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                error = $"label '{pair}' is not KEY=VALUE";
                return false;
            }

            labels[pair[..eq]] = pair[(eq + 1)..];
        }

        return true;
    }
}
