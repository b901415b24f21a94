using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace Engine.Transport.Epoll;

/// <summary>
/// A listening socket registered with every loop. The loop that wakes accepts, and the new
/// connection stays on that loop; its owner's accept continuation runs inline there too.
/// </summary>
/// <remarks>
/// Level-triggered with <c>EPOLLEXCLUSIVE</c>: a pending connection wakes one idle loop rather
/// than all of them, and a loop that stops after <see cref="MaxAcceptsPerWake"/> is woken again
/// for the rest (edge triggering would need an accept to EAGAIN on every wake to be safe).
/// Accepting is serialised with closing by a lock, once per connection, so accept4 never runs
/// on a descriptor number that was closed and reused.
/// </remarks>
internal sealed class EpollListener : IConnectionListener, IEpollHandler
{
    /// <summary>Connections taken per wake before the loop serves its other sockets.</summary>
    private const int MaxAcceptsPerWake = 32;

    /// <summary>Out of descriptors or memory: how long the listener sits out before trying again.</summary>
    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(100);

    private readonly EpollTransport _transport;
    private readonly Channel<EpollConnection> _accepted = Channel.CreateUnbounded<EpollConnection>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });

    private readonly Lock _fdGate = new();
    private readonly int _fd;
    private bool _closed;
    private Timer? _backoff;

    public EpollListener(EpollTransport transport, int fd, EndPoint endPoint)
    {
        _transport = transport;
        _fd = fd;
        EndPoint = endPoint;
    }

    public EndPoint EndPoint { get; }

    public ulong Token { get; set; }

    /// <summary>Registers with every loop; 0 or the errno.</summary>
    public int Register()
    {
        EpollRegistry.Add(this);
        foreach (var loop in _transport.Loops.Loops)
        {
            if (loop.Add(_fd, EpollLibc.EPOLLIN | EpollLibc.EPOLLEXCLUSIVE, this) is var error and not 0)
            {
                return error;
            }
        }

        return 0;
    }

    public unsafe void OnEvents(uint events)
    {
        var loop = EpollLoop.Current!;
        var address = stackalloc byte[SockAddr.MaxSize];
        for (var i = 0; i < MaxAcceptsPerWake; i++)
        {
            int fd;
            int errno;
            var length = (uint)SockAddr.MaxSize;
            lock (_fdGate)
            {
                if (_closed)
                {
                    return;
                }

                fd = EpollLibc.Accept4(_fd, address, &length, EpollLibc.SOCK_NONBLOCK | EpollLibc.SOCK_CLOEXEC);
                errno = fd < 0 ? EpollLibc.Errno : 0;
            }

            if (fd < 0)
            {
                switch (errno)
                {
                    case EpollLibc.EAGAIN:
                        return;
                    case EpollLibc.EMFILE or EpollLibc.ENFILE or EpollLibc.ENOBUFS or EpollLibc.ENOMEM:
                        SitOut();
                        return;
                    default:
                        continue; // ECONNABORTED and the like: that client gave up, take the next
                }
            }

            // TCP_NODELAY is inherited from the listening socket: no setsockopt per connection.
            var connection = new EpollConnection(_transport, fd, loop, SockAddr.Read(new ReadOnlySpan<byte>(address, (int)length)));
            if (connection.Register() != 0)
            {
                _ = EpollLibc.Close(fd);
                continue;
            }

            connection.Start();
            if (!_accepted.Writer.TryWrite(connection))
            {
                connection.Abort(); // unbound meanwhile
                _ = connection.DisposeAsync();
            }
        }
    }

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        var reader = _accepted.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.TryRead(out var connection))
            {
                return connection;
            }
        }

        return null; // unbound
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        lock (_fdGate)
        {
            if (!_closed)
            {
                _closed = true;
                _backoff?.Dispose();
                _ = EpollLibc.Close(_fd); // leaves every loop's epoll set with it
            }
        }

        EpollRegistry.Remove(this);
        _accepted.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await UnbindAsync().ConfigureAwait(false);
        while (_accepted.Reader.TryRead(out var connection))
        {
            connection.Abort();
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Out of descriptors: level triggering would wake the loops again at once and spin, so leave
    /// the epoll sets for a moment; pending clients wait in the backlog meanwhile.
    /// </summary>
    private void SitOut()
    {
        lock (_fdGate)
        {
            if (_closed || _backoff is not null)
            {
                return;
            }

            foreach (var loop in _transport.Loops.Loops)
            {
                loop.Remove(_fd);
            }

            _backoff = new Timer(static s => ((EpollListener)s!).Return(), this, ResourceBackoff, Timeout.InfiniteTimeSpan);
        }
    }

    private void Return()
    {
        lock (_fdGate)
        {
            _backoff?.Dispose();
            _backoff = null;
            if (_closed)
            {
                return;
            }

            foreach (var loop in _transport.Loops.Loops)
            {
                _ = loop.Add(_fd, EpollLibc.EPOLLIN | EpollLibc.EPOLLEXCLUSIVE, this);
            }
        }
    }
}
