using System.Runtime.InteropServices;

namespace Engine.Transport.Epoll;

/// <summary>
/// The libc calls of the epoll transport, in one place (STYLE.md habit 13). Every call returns
/// what the kernel said; failures are errno values, never exceptions: EAGAIN and a peer's reset
/// are ordinary events on the data plane.
/// </summary>
/// <remarks>
/// Linux x86-64 and arm64 only (the transport factory checks before using any of this). The
/// constants are the Linux ABI's; <c>struct epoll_event</c> is read through
/// <see cref="EpollEvents"/>, which knows it is packed on x86-64 only.
/// </remarks>
internal static unsafe partial class EpollLibc
{
    // errno
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EBADF = 9;
    public const int EMFILE = 24;
    public const int ENFILE = 23;
    public const int EPIPE = 32;
    public const int ENOBUFS = 105;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ENOTCONN = 107;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EINPROGRESS = 115;
    public const int EADDRINUSE = 98;
    public const int EADDRNOTAVAIL = 99;

    // socket(2)
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int SOCK_STREAM = 1;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int IPPROTO_TCP = 6;
    public const int IPPROTO_IPV6 = 41;

    // setsockopt(2)
    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2;
    public const int SO_ERROR = 4;
    public const int SO_KEEPALIVE = 9;
    public const int SO_LINGER = 13;
    public const int TCP_NODELAY = 1;
    public const int TCP_KEEPIDLE = 4;
    public const int TCP_KEEPINTVL = 5;
    public const int TCP_KEEPCNT = 6;
    public const int IPV6_V6ONLY = 26;

    /// <summary>sendmsg flag: a write to a reset socket returns EPIPE instead of raising SIGPIPE.</summary>
    public const int MSG_NOSIGNAL = 0x4000;

    // shutdown(2)
    public const int SHUT_WR = 1;
    public const int SHUT_RDWR = 2;

    // epoll(7)
    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLEXCLUSIVE = 1u << 28;
    public const uint EPOLLET = 1u << 31;

    /// <summary>Linux's IOV_MAX; more segments than this need another writev.</summary>
    public const int IovMax = 1024;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c> (64-bit layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Linger
    {
        public int OnOff;
        public int Seconds;
    }

    /// <summary>The errno of the call that just failed (the stubs below save it).</summary>
    public static int Errno => Marshal.GetLastPInvokeError();

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, byte* address, uint length);

    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    public static partial int Listen(int fd, int backlog);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    public static partial int Accept4(int fd, byte* address, uint* length, int flags);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    public static partial int Connect(int fd, byte* address, uint length);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    public static partial int GetSockName(int fd, byte* address, uint* length);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    public static partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    /// <summary>
    /// recv rather than read: the socket path without read(2)'s file-position lock, access
    /// checks and fsnotify hook (vfs_read, fdget_pos: ≈1.5% of the proxy's CPU in perf).
    /// </summary>
    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint count, int flags);

    /// <summary>send for one buffer: no msghdr to copy in and validate, as sendmsg has.</summary>
    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint count, int flags);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    public static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    public static partial int EpollWait(int epfd, byte* events, int maxEvents, int timeout);

    /// <summary>setsockopt with an int value; returns 0 or the errno.</summary>
    public static int SetInt(int fd, int level, int name, int value)
        => SetSockOpt(fd, level, name, &value, sizeof(int)) == 0 ? 0 : Errno;

    /// <summary>getsockopt with an int value; returns 0 or the errno.</summary>
    public static int GetInt(int fd, int level, int name, out int value)
    {
        int v = 0;
        uint length = sizeof(int);
        var rc = GetSockOpt(fd, level, name, &v, &length);
        value = v;
        return rc == 0 ? 0 : Errno;
    }
}
