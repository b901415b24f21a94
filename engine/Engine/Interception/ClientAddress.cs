using System.Net;

namespace Engine.Interception;

/// <summary>The downstream peer of an intercepted connection (the app, or a remote client for inbound).</summary>
internal readonly record struct ClientAddress
{
    public ClientAddress(IPEndPoint endPoint) => EndPoint = EndPoints.Unmap(endPoint);

    public IPEndPoint EndPoint { get; }

    public override string ToString() => EndPoint.ToString();
}
