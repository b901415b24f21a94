using System.Runtime.InteropServices;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>The libc calls the namespace tests need: entering a network namespace on one thread, duplicating a descriptor.</summary>
internal static partial class NetnsNative
{
    public const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    public static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEUid();
}
