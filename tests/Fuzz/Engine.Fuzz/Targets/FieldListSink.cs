using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Fuzz.Targets;

/// <summary>An HPACK sink that keeps every field as text (no HTTP/2 field rules), so decodes can be compared.</summary>
internal readonly struct FieldListSink(HttpHead head, List<DecodedField> fields) : IHpackSink
{
    public Http2Error OnField(ReadOnlySpan<byte> name, ByteRange nameInArena, ByteRange value, bool neverIndexed)
    {
        fields.Add(new DecodedField(name.ToArray(), head.Span(value).ToArray(), neverIndexed));
        return Http2Error.None;
    }
}
