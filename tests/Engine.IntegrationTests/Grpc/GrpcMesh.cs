using System.Text;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// YAML for the gRPC test mesh: the service <c>grpc-echo:9090</c> as a STATIC ServiceEntry whose
/// port is declared gRPC (or HTTP/2), endpoints on loopback, and a VirtualService over it.
/// </summary>
internal static class GrpcMesh
{
    public const string Host = "grpc-echo";
    public const int Port = 9090;
    public const string Authority = "grpc-echo:9090";

    public static string Service(params (GrpcTestServer Server, string Version)[] endpoints) => Service("grpc", "GRPC", endpoints);

    public static string Service(string portName, string protocol, params (GrpcTestServer Server, string Version)[] endpoints)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("apiVersion: networking.istio.io/v1");
        yaml.AppendLine("kind: ServiceEntry");
        yaml.AppendLine("metadata:");
        yaml.AppendLine($"  name: {Host}");
        yaml.AppendLine("spec:");
        yaml.AppendLine($"  hosts: [\"{Host}\"]");
        yaml.AppendLine("  location: MESH_INTERNAL");
        yaml.AppendLine("  resolution: STATIC");
        yaml.AppendLine("  ports:");
        yaml.AppendLine($"  - {{number: {Port}, name: {portName}, protocol: {protocol}}}");
        yaml.AppendLine("  endpoints:");
        foreach (var (server, version) in endpoints)
        {
            yaml.AppendLine($"  - {{address: 127.0.0.1, ports: {{{portName}: {server.Port}}}, labels: {{version: \"{version}\"}}}}");
        }

        return yaml.ToString();
    }

    /// <summary>A VirtualService with one route to the service; <paramref name="routeExtras"/> is indented under the route (4 spaces).</summary>
    public static string Route(string routeExtras = "") => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: {{Host}}}
        spec:
          hosts: [{{Host}}]
          http:
          - route:
            - destination: {host: {{Host}}}
        {{routeExtras}}
        """;
}
