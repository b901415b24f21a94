namespace Engine.Upstream.Registry;

/// <summary>A port of a service: number, Istio port name and protocol (HTTP, HTTP2, GRPC, TCP, TLS…).</summary>
internal sealed record ServicePortInfo(int Number, string Name, string Protocol, int TargetPort)
{
    /// <summary>Protocols routed by the HTTP pipeline (istio-semantics.md §5.1).</summary>
    public bool IsHttp => Protocol.ToUpperInvariant() is "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB" || Protocol.Length == 0;
}
