using System.Runtime.InteropServices;

namespace Engine.Interception;

/// <summary>
/// The only native calls of the engine, in one place (STYLE.md habit 13): reading the
/// pre-NAT destination of a redirected socket, and giving up root for the proxy uid that
/// iptables exempts from capture. Linux-only; callers check <see cref="OperatingSystem.IsLinux"/>.
/// </summary>
internal static unsafe partial class Libc
{
    /// <summary><c>ENOENT</c>: conntrack has no NAT entry for the socket (it was not redirected).</summary>
    public const int ENOENT = 2;

    /// <summary><c>ENOPROTOOPT</c>: the option is unknown (netfilter's nat/conntrack support is missing).</summary>
    public const int ENOPROTOOPT = 92;

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    public static partial int GetSockOpt(int socket, int level, int optionName, byte* optionValue, ref uint optionLength);

    [LibraryImport("libc", EntryPoint = "setgroups", SetLastError = true)]
    public static partial int SetGroups(nuint size, uint* groups);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    public static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    public static partial int SetUid(uint uid);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEUid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    public static partial uint GetEGid();

    /// <summary>The errno of the last failed call above, as a message for a log line.</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
