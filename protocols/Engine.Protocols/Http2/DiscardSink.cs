using Engine.Protocols.Hpack;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http2;

/// <summary>Takes nothing: for field blocks decoded only to keep the dynamic table in step.</summary>
internal readonly struct DiscardSink : IHpackSink
{
    public Http2Error OnField(ReadOnlySpan<byte> name, ByteRange nameInArena, ByteRange value, bool neverIndexed) => Http2Error.None;
}
