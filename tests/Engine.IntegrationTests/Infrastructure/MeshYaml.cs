using System.Text;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// Writes the ServiceEntries a test mesh needs: one service per host with STATIC loopback
/// endpoints whose <c>ports</c> map sends the service port to each upstream's real port.
/// </summary>
internal static class MeshYaml
{
    /// <summary>The mesh of most single-upstream tests: service "svc" on port 8080, one v1 endpoint at <paramref name="upstreamPort"/>.</summary>
    public static string[] OneService(int upstreamPort) => [Service("svc", 8080, (upstreamPort, "v1"))];

    public static string Service(string host, int port, params (int UpstreamPort, string Version)[] endpoints)
        => Service(host, port, "http", endpoints.Select(e => (e.UpstreamPort, (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["version"] = e.Version })).ToArray());

    /// <param name="protocol">The port's protocol: HTTP, or HTTP2/GRPC for an upstream spoken to in HTTP/2.</param>
    public static string Service(string host, int port, string portName, (int UpstreamPort, IReadOnlyDictionary<string, string> Labels)[] endpoints, string protocol = "HTTP")
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("apiVersion: networking.istio.io/v1");
        yaml.AppendLine("kind: ServiceEntry");
        yaml.AppendLine("metadata:");
        yaml.AppendLine($"  name: {host.Replace('.', '-')}");
        yaml.AppendLine("spec:");
        yaml.AppendLine($"  hosts: [\"{host}\"]");
        yaml.AppendLine("  location: MESH_INTERNAL");
        yaml.AppendLine("  resolution: STATIC");
        yaml.AppendLine("  ports:");
        yaml.AppendLine($"  - {{number: {port}, name: {portName}, protocol: {protocol}}}");
        yaml.AppendLine("  endpoints:");
        foreach (var (upstreamPort, labels) in endpoints)
        {
            var labelText = string.Join(", ", labels.Select(l => $"{l.Key}: \"{l.Value}\""));
            yaml.AppendLine($"  - {{address: 127.0.0.1, ports: {{{portName}: {upstreamPort}}}, labels: {{{labelText}}}}}");
        }

        return yaml.ToString();
    }

    public static string Subsets(string host, params string[] versions)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("apiVersion: networking.istio.io/v1");
        yaml.AppendLine("kind: DestinationRule");
        yaml.AppendLine("metadata:");
        yaml.AppendLine($"  name: {host.Replace('.', '-')}");
        yaml.AppendLine("spec:");
        yaml.AppendLine($"  host: {host}");
        yaml.AppendLine("  subsets:");
        foreach (var version in versions)
        {
            yaml.AppendLine($"  - name: {version}");
            yaml.AppendLine($"    labels: {{version: {version}}}");
        }

        return yaml.ToString();
    }

    /// <summary>A VirtualService sending every request for <paramref name="host"/> to it, with the route's <c>retries</c> (flow YAML, e.g. <c>{attempts: 2, retryOn: 5xx}</c>).</summary>
    public static string RouteWithRetries(string host, string retries) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: {{host.Replace('.', '-')}}}
        spec:
          hosts: [{{host}}]
          http:
          - route:
            - destination: {host: {{host}}}
            retries: {{retries}}
        """;
}
