namespace Engine.Protocols.Http;

/// <summary>One header line of a head: name and value as ranges of the head's arena.</summary>
public struct HeaderField
{
    public ByteRange Name;
    public ByteRange Value;
    public KnownHeader Known;

    /// <summary>
    /// Received over HTTP/2 as "never indexed" (RFC 7541 §6.2.3); HPACK encoders must keep it
    /// out of their dynamic tables when forwarding. Always false for HTTP/1.1.
    /// </summary>
    public bool NeverIndexed;

    public HeaderField(ByteRange name, ByteRange value, KnownHeader known)
    {
        Name = name;
        Value = value;
        Known = known;
    }
}
