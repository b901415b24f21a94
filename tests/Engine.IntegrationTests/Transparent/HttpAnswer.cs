namespace Engine.IntegrationTests.Transparent;

/// <summary>What curl printed: its exit code, the status line's code, the response headers and body.</summary>
internal sealed record HttpAnswer(int ExitCode, int Status, string Headers, string Body, string Stderr)
{
    /// <summary>Parses <c>curl -sS -D - …</c> output: header block, blank line, body.</summary>
    public static HttpAnswer Parse(int exitCode, string stdout, string stderr)
    {
        var split = stdout.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return new HttpAnswer(exitCode, 0, string.Empty, stdout, stderr);
        }

        var headers = stdout[..split];
        var statusLine = headers.Split("\r\n")[0].Split(' ');
        var status = statusLine.Length > 1 && int.TryParse(statusLine[1], System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : 0;
        return new HttpAnswer(exitCode, status, headers, stdout[(split + 4)..], stderr);
    }

    /// <summary>The <c>x-served-by</c> header (which test server answered), or null.</summary>
    public string? ServedBy => Headers.Split("\r\n")
        .Where(l => l.StartsWith("x-served-by:", StringComparison.OrdinalIgnoreCase))
        .Select(l => l["x-served-by:".Length..].Trim())
        .FirstOrDefault();

    /// <summary>The <c>peer=</c> line of a WhoAmI body: the address the server saw the request come from.</summary>
    public string? Peer => Body.Split('\n').FirstOrDefault(l => l.StartsWith("peer=", StringComparison.Ordinal))?["peer=".Length..];

    /// <summary>True when the request went through the engine's HTTP session (it adds Envoy's attempt count).</summary>
    public bool ViaProxy => Body.Contains("x-envoy-attempt-count:", StringComparison.Ordinal);

    public override string ToString() => $"curl exit {ExitCode}, status {Status}\n{Headers}\n\n{Body}\n{Stderr}";
}
