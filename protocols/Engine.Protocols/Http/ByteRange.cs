namespace Engine.Protocols.Http;

/// <summary>
/// A slice of a head's byte arena. Heads keep offsets, not spans, so that the arena can grow
/// (and be pooled) without invalidating what was parsed before.
/// </summary>
public readonly record struct ByteRange(int Start, int Length)
{
    public static readonly ByteRange Empty = default;

    public int End => Start + Length;

    public bool IsEmpty => Length == 0;
}
