using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>Collects response fields into the head; only framing and Connection matter to the proxy.</summary>
internal struct ResponseFieldHandler(HttpResponseHead head) : IHttp1FieldHandler
{
    private Http1Framing _framing;

    public Http1Error OnField(KnownHeader known, ByteRange name, ByteRange value, ReadOnlySpan<byte> valueBytes)
    {
        head.AddHeader(name, value, known);
        switch (known)
        {
            case KnownHeader.ContentLength:
                return _framing.OnContentLength(valueBytes);
            case KnownHeader.TransferEncoding:
                return _framing.OnTransferEncoding(valueBytes);
            case KnownHeader.Connection:
                _framing.OnConnection(valueBytes);
                break;
        }

        return Http1Error.None;
    }

    public readonly Http1Error Finish() => _framing.Finish(head);
}
