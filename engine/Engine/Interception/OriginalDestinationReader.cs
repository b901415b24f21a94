using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Engine.Interception;

/// <summary>
/// Recovers the destination a connection had before iptables REDIRECTed it to our listener
/// (istio-semantics.md §7.3; Envoy's original_dst listener filter; linkerd's orig_dst.rs).
/// </summary>
/// <remarks>
/// The option to ask depends on the socket's local address, not on the listener's family: on a
/// dual-mode IPv6 listener an IPv4 client arrives with an IPv4-mapped local address, and its
/// NAT entry is an IPv4 one, so it must be read with <c>SOL_IP/SO_ORIGINAL_DST</c> (the IPv6
/// option fails with ENOENT for it). Real IPv6 connections use
/// <c>SOL_IPV6/IP6T_SO_ORIGINAL_DST</c> and a <c>sockaddr_in6</c>.
/// </remarks>
internal static unsafe class OriginalDestinationReader
{
    private const int SolIp = 0;
    private const int SolIpv6 = 41;
    private const int SoOriginalDst = 80;       // linux/netfilter_ipv4.h
    private const int Ip6tSoOriginalDst = 80;   // linux/netfilter_ipv6/ip6_tables.h

    /// <summary>Reads the original destination; on failure <paramref name="errno"/> says why when the kernel did.</summary>
    public static OriginalDestinationError TryRead(Socket socket, out OriginalDestination destination, out int errno)
    {
        destination = default;
        errno = 0;
        if (!OperatingSystem.IsLinux())
        {
            return OriginalDestinationError.NotSupported;
        }

        if (socket.LocalEndPoint is not IPEndPoint local)
        {
            return OriginalDestinationError.NotIpSocket;
        }

        var ipv4 = local.AddressFamily == AddressFamily.InterNetwork || local.Address.IsIPv4MappedToIPv6;
        Span<byte> raw = stackalloc byte[SockAddr.Inet6Size];
        var length = (uint)(ipv4 ? SockAddr.InetSize : SockAddr.Inet6Size);
        int result;
        var added = false;
        var handle = socket.SafeHandle;
        try
        {
            // Hold a reference so the descriptor cannot be closed and reused during the call.
            handle.DangerousAddRef(ref added);
            fixed (byte* buffer = raw)
            {
                result = ipv4
                    ? Libc.GetSockOpt((int)handle.DangerousGetHandle(), SolIp, SoOriginalDst, buffer, ref length)
                    : Libc.GetSockOpt((int)handle.DangerousGetHandle(), SolIpv6, Ip6tSoOriginalDst, buffer, ref length);
            }

            errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }

        if (result != 0)
        {
            return errno switch
            {
                Libc.ENOENT => OriginalDestinationError.NotRedirected,
                Libc.ENOPROTOOPT => OriginalDestinationError.NotSupported,
                _ => OriginalDestinationError.SystemError,
            };
        }

        if (!SockAddr.TryParse(raw[..(int)Math.Min(length, (uint)raw.Length)], out var endPoint))
        {
            return OriginalDestinationError.UnexpectedAddress;
        }

        destination = new OriginalDestination(endPoint);
        return OriginalDestinationError.None;
    }
}
