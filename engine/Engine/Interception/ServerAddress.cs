using System.Net;

namespace Engine.Interception;

/// <summary>The local address an intercepted connection was accepted on (our listener, after REDIRECT).</summary>
internal readonly record struct ServerAddress
{
    public ServerAddress(IPEndPoint endPoint) => EndPoint = EndPoints.Unmap(endPoint);

    public IPEndPoint EndPoint { get; }

    public override string ToString() => EndPoint.ToString();
}
