using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Engine.Transport.Epoll;

/// <summary>
/// Reads and writes <c>struct epoll_event</c> in native memory. The struct is
/// <c>{ uint32 events; uint64 data; }</c>, packed (12 bytes) on x86-64 and naturally aligned
/// (16 bytes) elsewhere, so it is addressed by stride rather than declared once.
/// </summary>
internal static unsafe class EpollEvents
{
    public static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = Size == 12 ? 4 : 8;

    public static void Write(byte* ev, uint events, ulong data)
    {
        *(uint*)ev = events;
        Unsafe.WriteUnaligned(ev + DataOffset, data);
    }

    public static uint Events(byte* buffer, int index) => *(uint*)(buffer + (index * Size));

    public static ulong Data(byte* buffer, int index) => Unsafe.ReadUnaligned<ulong>(buffer + (index * Size) + DataOffset);
}
