using System.Net.Sockets;

namespace Engine.Transport;

/// <summary>Socket options of an outgoing connection (TCP_NODELAY is always on).</summary>
/// <param name="KeepAlive">SO_KEEPALIVE.</param>
/// <param name="KeepAliveTimeSeconds">TCP_KEEPIDLE; 0: the OS default.</param>
/// <param name="KeepAliveIntervalSeconds">TCP_KEEPINTVL; 0: the OS default.</param>
/// <param name="KeepAliveProbes">TCP_KEEPCNT; 0: the OS default.</param>
internal readonly record struct ClientSocketOptions(bool KeepAlive, int KeepAliveTimeSeconds = 0, int KeepAliveIntervalSeconds = 0, int KeepAliveProbes = 0)
{
    /// <summary>Sets the keep-alive options on a System.Net.Sockets socket (nothing when <see cref="KeepAlive"/> is off).</summary>
    public void ApplyKeepAlive(Socket socket)
    {
        if (!KeepAlive)
        {
            return;
        }

        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        if (KeepAliveTimeSeconds > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, KeepAliveTimeSeconds);
        }

        if (KeepAliveIntervalSeconds > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, KeepAliveIntervalSeconds);
        }

        if (KeepAliveProbes > 0)
        {
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, KeepAliveProbes);
        }
    }
}
