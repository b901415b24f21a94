namespace Engine.Fuzz.Targets;

/// <summary>One decoded field; equal when the bytes and the never-indexed flag are.</summary>
internal sealed record DecodedField(byte[] Name, byte[] Value, bool NeverIndexed)
{
    public bool Equals(DecodedField? other)
        => other is not null && Name.AsSpan().SequenceEqual(other.Name) && Value.AsSpan().SequenceEqual(other.Value) && NeverIndexed == other.NeverIndexed;

    public override int GetHashCode() => HashCode.Combine(Name.Length, Value.Length, NeverIndexed);

    public override string ToString() => $"[{Convert.ToHexString(Name)}:{Convert.ToHexString(Value)}:{(NeverIndexed ? "ni" : "")}]";
}
