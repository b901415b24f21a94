using System.Runtime.InteropServices;

namespace Engine.IntegrationTests.Drills;

/// <summary>
/// RLIMIT_NOFILE of the test process (inherited by the proxy it starts): read it, and raise the
/// soft limit toward the hard one when a drill needs many sockets.
/// </summary>
internal static partial class FileDescriptorLimit
{
    private const int RlimitNofile = 7;

    /// <summary>Makes the soft limit at least <paramref name="wanted"/> if the hard limit allows; returns the soft limit now in force.</summary>
    public static ulong EnsureAtLeast(ulong wanted)
    {
        if (getrlimit(RlimitNofile, out var limit) != 0)
        {
            return 0;
        }

        if (limit.Current < wanted)
        {
            var raised = limit with { Current = Math.Min(wanted, limit.Maximum) };
            if (setrlimit(RlimitNofile, raised) == 0)
            {
                return raised.Current;
            }
        }

        return limit.Current;
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct RLimit(ulong Current, ulong Maximum);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);
}
