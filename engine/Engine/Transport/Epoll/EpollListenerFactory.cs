using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Engine.Transport.Epoll;

/// <summary>Binds listening sockets on the epoll loops (IPv4, IPv6, and dual-mode on <c>[::]</c>).</summary>
internal sealed class EpollListenerFactory : IConnectionListenerFactory
{
    private readonly EpollTransport _transport;

    public EpollListenerFactory(EpollTransport transport) => _transport = transport;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint ip)
        {
            throw new NotSupportedException($"The epoll transport listens on IP endpoints only, not {endpoint.GetType().Name}.");
        }

        var fd = Open(ip);
        var listener = new EpollListener(_transport, fd, SockAddr.LocalOf(fd) ?? ip);
        if (listener.Register() is var error and not 0)
        {
            _ = listener.UnbindAsync();
            throw new SocketException(error);
        }

        return new ValueTask<IConnectionListener>(listener);
    }

    /// <summary>socket, options, bind, listen. Binding is start-up, not data plane: failures throw, as Kestrel's do.</summary>
    private unsafe int Open(IPEndPoint ip)
    {
        var v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
        var fd = EpollLibc.Socket(v6 ? EpollLibc.AF_INET6 : EpollLibc.AF_INET, EpollLibc.SOCK_STREAM | EpollLibc.SOCK_NONBLOCK | EpollLibc.SOCK_CLOEXEC, EpollLibc.IPPROTO_TCP);
        if (fd < 0)
        {
            throw new SocketException(EpollLibc.Errno);
        }

        _ = EpollLibc.SetInt(fd, EpollLibc.SOL_SOCKET, EpollLibc.SO_REUSEADDR, 1);
        _ = EpollLibc.SetInt(fd, EpollLibc.IPPROTO_TCP, EpollLibc.TCP_NODELAY, 1);
        if (v6)
        {
            // [::] takes IPv4 clients too (IPv4-mapped), as Kestrel's listener does.
            _ = EpollLibc.SetInt(fd, EpollLibc.IPPROTO_IPV6, EpollLibc.IPV6_V6ONLY, ip.Address.Equals(IPAddress.IPv6Any) ? 0 : 1);
        }

        var address = stackalloc byte[SockAddr.MaxSize];
        var length = SockAddr.Write(ip, new Span<byte>(address, SockAddr.MaxSize));
        if (EpollLibc.Bind(fd, address, (uint)length) != 0)
        {
            var errno = EpollLibc.Errno;
            _ = EpollLibc.Close(fd);
            throw errno == EpollLibc.EADDRINUSE
                ? new AddressInUseException($"{ip} is already in use.", new SocketException(errno))
                : new SocketException(errno);
        }

        if (EpollLibc.Listen(fd, _transport.Settings.Backlog) != 0)
        {
            var errno = EpollLibc.Errno;
            _ = EpollLibc.Close(fd);
            throw new SocketException(errno);
        }

        return fd;
    }
}
