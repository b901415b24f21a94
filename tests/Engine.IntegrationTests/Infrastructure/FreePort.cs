using System.Net;
using System.Net.Sockets;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>A loopback port that was free a moment ago, for child processes that need a fixed --listen.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
