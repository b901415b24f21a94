using Engine.Proxy;
using Engine.Transport;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>Proxy options for one socket transport, named as the theories name it ("Epoll", "Kestrel").</summary>
internal static class TransportChoice
{
    public static ProxyOptions On(string kind) => new() { Transport = new TransportSettings { Kind = Enum.Parse<TransportKind>(kind) } };
}
