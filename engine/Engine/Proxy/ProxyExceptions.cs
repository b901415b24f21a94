using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Engine.Proxy;

/// <summary>
/// Exceptions the socket transport surfaces for a peer that reset or went away. They are how
/// pipes report a dead connection, so the data plane turns them into values right where they
/// appear.
/// </summary>
internal static class ProxyExceptions
{
    public static bool IsConnectionFailure(Exception e)
        => e is ConnectionResetException or ConnectionAbortedException or SocketException or IOException
            or ObjectDisposedException or OperationCanceledException or InvalidOperationException;
}
