using System.Buffers.Text;
using System.Security.Cryptography;

namespace Engine.Proxy;

/// <summary>
/// RFC 6455 §4.2.2: Sec-WebSocket-Accept is the base64 of the SHA-1 of the client's
/// Sec-WebSocket-Key followed by the protocol's fixed GUID. Used only where an HTTP/2 hop had no
/// such header to pass back (see <see cref="Http1ProxySession"/>'s upgrades).
/// </summary>
internal static class WebSocketAccept
{
    /// <summary>Base64 of a 20-byte digest.</summary>
    public const int Length = 28;

    private static ReadOnlySpan<byte> Guid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>A key is 24 bytes (16 random bytes in base64); a longer one is cut here, and its answer is wrong, as it should be.</summary>
    private const int MaxKeyLength = 128;

    /// <summary>Writes the accept value for <paramref name="key"/> (as the client sent it, surrounding spaces ignored).</summary>
    public static void Compute(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        key = key.Trim((byte)' ');
        key = key[..Math.Min(key.Length, MaxKeyLength)];
        Span<byte> input = stackalloc byte[MaxKeyLength + 36];
        key.CopyTo(input);
        Guid.CopyTo(input[key.Length..]);
        Span<byte> digest = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(input[..(key.Length + Guid.Length)], digest);
        Base64.EncodeToUtf8(digest, destination, out _, out _);
    }
}
