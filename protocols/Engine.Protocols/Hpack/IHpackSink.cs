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
    Http2Error OnField(ByteRange name, ByteRange value, bool neverIndexed);
}
