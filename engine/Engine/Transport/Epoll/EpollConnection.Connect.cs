using System.Net;

namespace Engine.Transport.Epoll;

/// <summary>The client side: a non-blocking connect completed by EPOLLOUT, with a timeout.</summary>
internal sealed partial class EpollConnection
{
    private TaskCompletionSource<ConnectSignal>? _connecting;

    private enum ConnectSignal
    {
        Writable,
        TimedOut,
        Canceled,
    }

    /// <summary>
    /// Opens a connection to <paramref name="endpoint"/>. Outcomes are values: refused, timed
    /// out, canceled or failed never throw.
    /// </summary>
    public static async ValueTask<ClientConnectResult> ConnectAsync(
        EpollTransport transport, IPEndPoint endpoint, ClientSocketOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return new ClientConnectResult(ClientConnectStatus.Canceled, null);
        }

        var fd = OpenClientSocket(endpoint, options, out var status);
        if (fd < 0)
        {
            return new ClientConnectResult(status, null);
        }

        var connection = new EpollConnection(transport, fd, transport.Loops.Pick(), endpoint);
        if (status == ClientConnectStatus.Connected)
        {
            // Connected at once (rare, even on loopback): no need to wait for the edge.
            return connection.Register() == 0 ? connection.Started() : connection.Failed(ClientConnectStatus.Failed);
        }

        // Registered after connect() so that the edge is the handshake's end: an unconnected
        // socket would report EPOLLOUT|EPOLLHUP at once. An edge that came before the
        // registration is reported by epoll_ctl itself.
        var connecting = new TaskCompletionSource<ConnectSignal>();
        connection._connecting = connecting;
        if (connection.Register() != 0)
        {
            return connection.Failed(ClientConnectStatus.Failed);
        }

        // A timer takes at most ~24.8 days; anything longer (or negative) means no timeout.
        var due = timeout >= TimeSpan.Zero && timeout.TotalMilliseconds < int.MaxValue ? timeout : Timeout.InfiniteTimeSpan;
        ConnectSignal signal;
        using (var timer = new Timer(static s => ((TaskCompletionSource<ConnectSignal>)s!).TrySetResult(ConnectSignal.TimedOut), connecting, due, Timeout.InfiniteTimeSpan))
        using (cancellationToken.UnsafeRegister(static s => ((TaskCompletionSource<ConnectSignal>)s!).TrySetResult(ConnectSignal.Canceled), connecting))
        {
            signal = await connecting.Task.ConfigureAwait(false);
        }

        connection._connecting = null;
        return signal switch
        {
            ConnectSignal.TimedOut => connection.Failed(ClientConnectStatus.TimedOut),
            ConnectSignal.Canceled => connection.Failed(ClientConnectStatus.Canceled),
            _ => connection.SocketError() switch
            {
                0 => connection.Started(),
                EpollLibc.ECONNREFUSED => connection.Failed(ClientConnectStatus.Refused),
                EpollLibc.ETIMEDOUT => connection.Failed(ClientConnectStatus.TimedOut),
                _ => connection.Failed(ClientConnectStatus.Failed),
            },
        };
    }

    /// <summary>socket, options, connect; the descriptor, or -1 with the outcome.</summary>
    private static unsafe int OpenClientSocket(IPEndPoint endpoint, ClientSocketOptions options, out ClientConnectStatus status)
    {
        var family = endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? EpollLibc.AF_INET6 : EpollLibc.AF_INET;
        var fd = EpollLibc.Socket(family, EpollLibc.SOCK_STREAM | EpollLibc.SOCK_NONBLOCK | EpollLibc.SOCK_CLOEXEC, EpollLibc.IPPROTO_TCP);
        if (fd < 0)
        {
            status = ClientConnectStatus.Failed;
            return -1;
        }

        _ = EpollLibc.SetInt(fd, EpollLibc.IPPROTO_TCP, EpollLibc.TCP_NODELAY, 1);
        if (options.KeepAlive)
        {
            SetKeepAlive(fd, options);
        }

        var address = stackalloc byte[SockAddr.MaxSize];
        var length = SockAddr.Write(endpoint, new Span<byte>(address, SockAddr.MaxSize));
        if (EpollLibc.Connect(fd, address, (uint)length) == 0)
        {
            status = ClientConnectStatus.Connected;
            return fd;
        }

        var errno = EpollLibc.Errno;
        if (errno is EpollLibc.EINPROGRESS or EpollLibc.EINTR)
        {
            status = ClientConnectStatus.Failed; // not yet known: the caller waits for the edge
            return fd;
        }

        _ = EpollLibc.Close(fd);
        status = errno == EpollLibc.ECONNREFUSED ? ClientConnectStatus.Refused : ClientConnectStatus.Failed;
        return -1;
    }

    /// <summary>SO_KEEPALIVE with the idle time, interval and probe count asked for (0: the OS default).</summary>
    private static void SetKeepAlive(int fd, ClientSocketOptions options)
    {
        _ = EpollLibc.SetInt(fd, EpollLibc.SOL_SOCKET, EpollLibc.SO_KEEPALIVE, 1);
        if (options.KeepAliveTimeSeconds > 0)
        {
            _ = EpollLibc.SetInt(fd, EpollLibc.IPPROTO_TCP, EpollLibc.TCP_KEEPIDLE, options.KeepAliveTimeSeconds);
        }

        if (options.KeepAliveIntervalSeconds > 0)
        {
            _ = EpollLibc.SetInt(fd, EpollLibc.IPPROTO_TCP, EpollLibc.TCP_KEEPINTVL, options.KeepAliveIntervalSeconds);
        }

        if (options.KeepAliveProbes > 0)
        {
            _ = EpollLibc.SetInt(fd, EpollLibc.IPPROTO_TCP, EpollLibc.TCP_KEEPCNT, options.KeepAliveProbes);
        }
    }

    /// <summary>The connect's outcome (SO_ERROR): 0, or the errno.</summary>
    private int SocketError()
    {
        var failed = EpollLibc.GetInt(_fd, EpollLibc.SOL_SOCKET, EpollLibc.SO_ERROR, out var error);
        return failed != 0 ? failed : error;
    }

    private ClientConnectResult Started()
    {
        Start();
        return new ClientConnectResult(ClientConnectStatus.Connected, this);
    }

    /// <summary>The loops never started: close right away.</summary>
    private ClientConnectResult Failed(ClientConnectStatus status)
    {
        _readable.Close();
        _writable.Close();
        CloseSocket();
        _closedSource.Dispose();
        return new ClientConnectResult(status, null);
    }
}
