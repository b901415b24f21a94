using System.Buffers;
using System.CommandLine;
using System.Text;
using Engine.Hosting;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Routing.Explain;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.Host.Commands;

/// <summary>
/// <c>engine explain --config PATH… [--labels …] 'GET http://reviews:9080/path?x=1' -H 'end-user: jason'</c>:
/// why a request would go where it goes, without sending it. Exit 0 when routed, 3 when not, 1 on
/// configuration errors, 2 on a malformed request.
/// </summary>
internal static class ExplainCommand
{
    public static Command Create()
    {
        var config = CommonOptions.Config(required: true);
        var ns = CommonOptions.Namespace();
        var labels = new Option<string>("--labels") { Description = "The sidecar's own labels, k=v,k2=v2 (for sourceLabels)" };
        var headers = new Option<string[]>("--header", "-H") { Description = "A request header, 'Name: value' (repeatable)", Arity = ArgumentArity.ZeroOrMore };
        var request = new Argument<string>("request") { Description = "'METHOD http://host[:port]/path?query' (METHOD defaults to GET)" };
        var command = new Command("explain", "Show which VirtualService rule a request matches, where it would go and with which policies") { config, ns, labels, headers, request };
        command.SetAction(async (result, _) =>
        {
            if (!CommonOptions.TryParseLabels(result.GetValue(labels), out var labelMap, out var labelError))
            {
                await Console.Error.WriteLineAsync($"engine explain: --labels: {labelError}").ConfigureAwait(false);
                return 2;
            }

            if (!TryBuildRequest(result.GetValue(request)!, result.GetValue(headers) ?? [], out var head, out var port, out var problem))
            {
                await Console.Error.WriteLineAsync($"engine explain: {problem}").ConfigureAwait(false);
                return 2;
            }

            var options = new SidecarOptions { ConfigPaths = result.GetValue(config) ?? [], Namespace = result.GetValue(ns)!, Labels = labelMap };
            await using var sidecar = new Sidecar(options, NullLoggerFactory.Instance);
            var load = sidecar.Reload();
            foreach (var diagnostic in load.Diagnostics)
            {
                Console.WriteLine(diagnostic.ToString());
            }

            if (load.Snapshot is null)
            {
                return 1;
            }

            var (routed, lines) = RouteExplainer.Explain(sidecar.Server.Config, head!, port);
            foreach (var line in lines)
            {
                Console.WriteLine(line);
            }

            return routed ? 0 : 3;
        });
        return command;
    }

    /// <summary>Builds the request head the way the proxy would see it: by parsing HTTP/1.1 text with the real codec.</summary>
    internal static bool TryBuildRequest(string text, string[] headers, out HttpRequestHead? head, out int port, out string problem)
    {
        head = null;
        port = 80;
        var parts = text.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var (method, url) = parts.Length == 2 ? (parts[0], parts[1]) : ("GET", parts[0]);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
        {
            problem = $"'{url}' is not an absolute http:// URL";
            return false;
        }

        port = uri.Port;
        var raw = new StringBuilder($"{method} {uri.PathAndQuery} HTTP/1.1\r\nHost: {uri.Authority}\r\n");
        foreach (var header in headers)
        {
            raw.Append(header.Trim()).Append("\r\n");
        }

        raw.Append("\r\n");
        head = new HttpRequestHead();
        var status = Http1RequestParser.TryParseRequest(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(raw.ToString())), head, Http1Limits.Default, out _, out var error);
        if (status != Http1ParseStatus.Complete)
        {
            problem = $"the request is not valid HTTP/1.1: {Encoding.ASCII.GetString(Http1ErrorStatus.Describe(error))}";
            return false;
        }

        if (uri.Scheme == "https")
        {
            head.Scheme = head.Append("https"u8);
        }

        problem = string.Empty;
        return true;
    }
}
