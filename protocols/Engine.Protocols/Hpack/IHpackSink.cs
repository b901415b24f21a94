using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Protocols.Hpack;

/// <summary>
/// Receives the fields <see cref="HpackDecoder"/> decodes, already copied into the head's arena.
/// Implemented by structs and passed by ref as a generic argument (the Kestrel handler pattern), so
/// each use — request, response, trailers — gets specialised code and nothing is boxed.
/// </summary>
internal interface IHpackSink
{
    /// <summary>
    /// One decoded field. Return <see cref="Http2Error.None"/> to go on; any other value marks the
    /// message malformed: the decoder stops handing over fields but finishes the block, because the
    /// dynamic table must stay in step with the peer's (RFC 7541 §2.2).
    /// </summary>
    /// <param name="name">The name's bytes, valid during the call (they may be a table's).</param>
    /// <param name="nameInArena">Where the name is in the head's arena; empty when it came from a
    /// table and was not copied. A sink that keeps the field copies it then (<see cref="NameRange"/>);
    /// pseudo-header names never need to be, which saves a copy on nearly every request field.</param>
    /// <param name="value">The value, always in the head's arena.</param>
    Http2Error OnField(ReadOnlySpan<byte> name, ByteRange nameInArena, ByteRange value, bool neverIndexed);
}

/// <summary>Helpers for <see cref="IHpackSink"/> implementations.</summary>
internal static class HpackSinks
{
    /// <summary>The name's range in the head's arena, copying it there when it came from a table.</summary>
    public static ByteRange NameRange(HttpHead head, ReadOnlySpan<byte> name, ByteRange nameInArena)
        => nameInArena.Length != 0 || name.IsEmpty ? nameInArena : head.Append(name);
}
