using System.Buffers;

namespace Engine.Echo;

/// <summary>64-bit FNV-1a: a cheap fingerprint of a body, so tests can check that bytes went through unchanged.</summary>
internal static class Fnv1a
{
    public const ulong Initial = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Append(ulong hash, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            hash = (hash ^ b) * Prime;
        }

        return hash;
    }

    public static ulong Append(ulong hash, in ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            hash = Append(hash, segment.Span);
        }

        return hash;
    }
}
