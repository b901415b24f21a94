using System.Text.Json;
using System.Text.RegularExpressions;

namespace Engine.IntegrationTests.Telemetry;

/// <summary>One access-log line read back, whichever format it was written in.</summary>
internal sealed record AccessLogLine(
    string Method, string Path, string Protocol, int Status, string Flags, string Details,
    long BytesSent, string UserAgent, string Authority, string UpstreamHost, string Cluster,
    string DownstreamRemote, string Route)
{
    /// <summary>Istio's default text format, field by field (a line that does not match fails the test).</summary>
    private static readonly Regex IstioText = new(
        """^\[(?<start>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\] "(?<method>\S+) (?<path>\S+) (?<protocol>\S+)" (?<code>\d+) (?<flags>\S+) (?<details>\S+) (?<termination>\S+) "(?<failure>[^"]*)" (?<rx>\d+) (?<tx>\d+) (?<duration>\d+) (?<service>\S+) "(?<xff>[^"]*)" "(?<ua>[^"]*)" "(?<rid>[^"]*)" "(?<authority>[^"]*)" "(?<uhost>[^"]*)" (?<cluster>\S+) (?<ulocal>\S+) (?<dlocal>\S+) (?<dremote>\S+) (?<sni>\S+) (?<route>\S+)$""",
        RegexOptions.NonBacktracking);

    public static AccessLogLine ParseText(string line)
    {
        var m = IstioText.Match(line);
        Assert.True(m.Success, "not Istio's text format: " + line);
        return new AccessLogLine(
            m.Groups["method"].Value, m.Groups["path"].Value, m.Groups["protocol"].Value, int.Parse(m.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture),
            m.Groups["flags"].Value, m.Groups["details"].Value, long.Parse(m.Groups["tx"].Value, System.Globalization.CultureInfo.InvariantCulture),
            m.Groups["ua"].Value, m.Groups["authority"].Value, m.Groups["uhost"].Value, m.Groups["cluster"].Value, m.Groups["dremote"].Value, m.Groups["route"].Value);
    }

    /// <summary>The JSON format; unset values (null) read as "-" so both formats compare alike.</summary>
    public static AccessLogLine ParseJson(string line)
    {
        var json = JsonDocument.Parse(line).RootElement;
        string S(string key) => json.GetProperty(key).ValueKind == JsonValueKind.Null ? "-" : json.GetProperty(key).GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", S("start_time"));
        return new AccessLogLine(
            S("method"), S("path"), S("protocol"), json.GetProperty("response_code").GetInt32(), S("response_flags"), S("response_code_details"),
            json.GetProperty("bytes_sent").GetInt64(), S("user_agent"), S("authority"), S("upstream_host"), S("upstream_cluster"), S("downstream_remote_address"), S("route_name"));
    }
}
