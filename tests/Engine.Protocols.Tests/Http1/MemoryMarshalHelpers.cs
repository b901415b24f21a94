using System.Runtime.InteropServices;

namespace Engine.Protocols.Tests.Http1;

internal static class MemoryMarshalHelpers
{
    /// <summary>True when <paramref name="slice"/> is <paramref name="array"/>'s own memory at <paramref name="offset"/> (not a copy).</summary>
    public static bool SameMemory(byte[] array, int offset, ReadOnlyMemory<byte> slice)
        => MemoryMarshal.TryGetArray(slice, out var segment) && ReferenceEquals(segment.Array, array) && segment.Offset == offset;
}
