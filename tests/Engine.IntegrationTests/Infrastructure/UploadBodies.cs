using Engine.Proxy;
using Engine.Transport;

namespace Engine.IntegrationTests.Infrastructure;

/// <summary>
/// Bodies for upload tests — random bytes, and the FNV-1a digest <c>engine echo</c> reports as
/// <c>bodyFnv1a</c>, so a lost, repeated or shifted piece shows — and the proxy options that pick a transport.
/// </summary>
internal static class UploadBodies
{
    public static byte[] RandomBytes(int size, int seed)
    {
        var bytes = new byte[size];
        new System.Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Fnv1a(ReadOnlySpan<byte> data)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Proxy options on the named transport ("Epoll" or "Kestrel").</summary>
    public static ProxyOptions On(string transport) => new() { Transport = new TransportSettings { Kind = Enum.Parse<TransportKind>(transport) } };
}
