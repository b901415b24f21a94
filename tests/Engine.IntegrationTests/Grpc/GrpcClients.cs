using System.Net;
using Engine.IntegrationTests.Grpc.Protos;
using Grpc.Net.Client;

namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// gRPC channels over h2c prior knowledge (Grpc.Net.Client asks for exactly HTTP/2 on an http://
/// address; .NET 10 needs no Http2UnencryptedSupport switch for that).
/// </summary>
internal static class GrpcClients
{
    /// <summary>Straight to a server, :authority 127.0.0.1:port.</summary>
    public static GrpcChannel Direct(int port)
        => GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false }, DisposeHttpClient = true });

    /// <summary>To the proxy at <paramref name="proxy"/>, each call addressed to <paramref name="authority"/> (the service's host:port).</summary>
    public static GrpcChannel Via(IPEndPoint proxy, string authority)
        => GrpcChannel.ForAddress($"http://{proxy}", new GrpcChannelOptions { HttpHandler = new AuthorityHandler(authority), DisposeHttpClient = true });

    public static TestService.TestServiceClient Client(this GrpcChannel channel) => new(channel);
}
