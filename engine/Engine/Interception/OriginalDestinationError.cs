namespace Engine.Interception;

/// <summary>Why an original destination could not be read (an expected failure, so a value).</summary>
internal enum OriginalDestinationError
{
    None = 0,

    /// <summary>The connection has no NAT entry: nothing redirected it here (ENOENT).</summary>
    NotRedirected,

    /// <summary>The kernel does not know the option: no netfilter nat/conntrack (ENOPROTOOPT), or not Linux.</summary>
    NotSupported,

    /// <summary>The socket is not a TCP/IP socket (no IP local address).</summary>
    NotIpSocket,

    /// <summary>The kernel answered with an address family we do not read.</summary>
    UnexpectedAddress,

    /// <summary>getsockopt failed otherwise; the errno is reported with it.</summary>
    SystemError,
}
