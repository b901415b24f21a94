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
        => Infrastructure.MeshYaml.Service(
            Host,
            Port,
            portName,
            endpoints.Select(e => (e.Server.Port, (IReadOnlyDictionary<string, string>)new Dictionary<string, string> { ["version"] = e.Version })).ToArray(),
            protocol);

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
