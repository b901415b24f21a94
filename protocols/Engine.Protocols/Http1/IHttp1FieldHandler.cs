using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Receives the field lines <see cref="Http1FieldParser"/> finds. Implemented by structs and passed
/// by ref as a generic argument, so each use (request head, response head, trailers) gets its own
/// specialised, inlinable code and nothing is boxed (the Kestrel handler pattern).
/// </summary>
internal interface IHttp1FieldHandler
{
    /// <summary>
    /// One field: <paramref name="name"/> and <paramref name="value"/> (OWS-trimmed) are ranges of the
    /// arena, <paramref name="valueBytes"/> is the value itself. Return <see cref="Http1Error.None"/>
    /// to go on, anything else to stop parsing with that error.
    /// </summary>
    Http1Error OnField(KnownHeader known, ByteRange name, ByteRange value, ReadOnlySpan<byte> valueBytes);
}
