using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>Collects response fields into the head; only framing and Connection matter to the proxy.</summary>
internal struct ResponseFieldHandler(HttpResponseHead head) : IHttp1FieldHandler
{
    private Http1Framing _framing;

    public Http1Error OnField(KnownHeader known, ByteRange name, ByteRange value, ReadOnlySpan<byte> valueBytes)
    {
        head.AddHeader(name, value, known);
        return _framing.OnField(known, valueBytes);
    }

    public readonly Http1Error Finish() => _framing.Finish(head);
}
