namespace Engine.Protocols.Http;

/// <summary>One header line of a head: name and value as ranges of the head's arena.</summary>
public struct HeaderField
{
    public ByteRange Name;
    public ByteRange Value;
    public KnownHeader Known;

    public HeaderField(ByteRange name, ByteRange value, KnownHeader known)
    {
        Name = name;
        Value = value;
        Known = known;
    }
}
