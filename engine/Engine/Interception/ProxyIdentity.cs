using System.Runtime.InteropServices;

namespace Engine.Interception;

/// <summary>
/// Becomes the proxy user that the capture rules exempt (<c>--uid</c>, Istio's 1337): without
/// it, every upstream connection the proxy opens would be captured again and loop.
/// </summary>
internal static unsafe class ProxyIdentity
{
    public static uint EffectiveUserId => OperatingSystem.IsLinux() ? Libc.GetEUid() : uint.MaxValue;

    /// <summary>
    /// Drops supplementary groups, then the group, then the user (in that order: after setuid a
    /// non-root process may no longer change its groups). glibc applies each to every thread of
    /// the process. Returns null on success, else what failed.
    /// </summary>
    public static string? Become(uint uid, uint gid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "changing user is only supported on Linux";
        }

        if (Libc.SetGroups(0, null) != 0)
        {
            return "setgroups: " + Libc.Describe(Marshal.GetLastPInvokeError());
        }

        if (Libc.SetGid(gid) != 0)
        {
            return $"setgid({gid}): " + Libc.Describe(Marshal.GetLastPInvokeError());
        }

        if (Libc.SetUid(uid) != 0)
        {
            return $"setuid({uid}): " + Libc.Describe(Marshal.GetLastPInvokeError());
        }

        return Libc.GetEUid() == uid && Libc.GetEGid() == gid ? null : "the user did not change";
    }
}
