using System.Net;
using System.Net.Sockets;

namespace Engine.Transport.Epoll;

/// <summary>The descriptor's end, and the views of it the owner may ask for.</summary>
internal sealed partial class EpollConnection
{
    private readonly Lock _fdGate = new();
    private bool _fdClosed;
    private Socket? _socketView;
    private IPEndPoint? _local;

    /// <summary>
    /// A <see cref="System.Net.Sockets.Socket"/> over the descriptor, for socket options
    /// (<c>LingerState</c> before an abort) and for <c>SO_ORIGINAL_DST</c> on transparent
    /// listeners. It does not own the descriptor and is never used for I/O; it is built on first
    /// use (its constructor costs a few syscalls) and is valid until the connection is disposed.
    /// </summary>
    public Socket Socket
    {
        get
        {
            lock (_fdGate)
            {
                ObjectDisposedException.ThrowIf(_fdClosed, this);
                return _socketView ??= new Socket(new SafeSocketHandle(_fd, ownsHandle: false));
            }
        }
    }

    public override EndPoint? LocalEndPoint
    {
        get
        {
            if (_local is null)
            {
                lock (_fdGate)
                {
                    _local ??= _fdClosed ? null : SockAddr.LocalOf(_fd);
                }
            }

            return _local;
        }

        set => throw new NotSupportedException("the local address of an epoll connection is fixed");
    }

    /// <summary>Both loops have ended (or never started): close the descriptor, once.</summary>
    private void CloseSocket()
    {
        lock (_fdGate)
        {
            if (_fdClosed)
            {
                return;
            }

            _fdClosed = true;

            // The view must not outlive the number: the kernel may hand it to another socket.
            _socketView?.SafeHandle.SetHandleAsInvalid();
        }

        EpollRegistry.Remove(this);
        _ = EpollLibc.Close(_fd); // also leaves the epoll set (the only reference to the file)
        FireConnectionClosed();
    }
}
