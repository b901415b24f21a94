using System.Buffers.Binary;

namespace Engine.Proxy;

/// <summary>
/// UUID v4 request ids written straight into a byte span. Envoy generates one per request that
/// arrives without <c>x-request-id</c>; ids only need to be unique, not secret, so they come from
/// the fast shared generator rather than the crypto one behind <see cref="Guid.NewGuid"/>.
/// </summary>
internal static class RequestIds
{
    public static void NewUuid(Span<byte> destination36)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, Random.Shared.NextInt64());
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], Random.Shared.NextInt64());
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        new Guid(bytes, bigEndian: true).TryFormat(destination36, out _, "D");
    }
}
