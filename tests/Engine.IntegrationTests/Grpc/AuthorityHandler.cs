namespace Engine.IntegrationTests.Grpc;

/// <summary>
/// Sends every request with <c>:authority</c> = <paramref name="authority"/> while connecting to the
/// channel's address (the proxy): SocketsHttpHandler writes the Host header as the HTTP/2
/// <c>:authority</c> pseudo-header (GrpcServerSanityTests checks the server sees it). The
/// connection pool is keyed by the address, so every call shares one connection to the proxy.
/// </summary>
internal sealed class AuthorityHandler(string authority) : DelegatingHandler(new SocketsHttpHandler { UseProxy = false })
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Host = authority;
        return base.SendAsync(request, cancellationToken);
    }
}
