using Engine.Interception;
using Microsoft.AspNetCore.Connections;

namespace Engine.Proxy;

/// <summary>A session on a connection a transparent listener captured (routing: ProxyExchange.Intercepted.cs).</summary>
internal sealed partial class Http1ProxySession
{
    public Http1ProxySession(ProxyServer server, ConnectionContext connection, InterceptedConnection intercepted)
        : this(server, connection)
    {
        _intercepted = intercepted;
    }
}
