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

    /// <summary>One chunk of a chunked body: size line, data, CRLF.</summary>
    public static byte[] Chunk(ReadOnlySpan<byte> data)
        => [.. System.Text.Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), .. data, .. "\r\n"u8];

    /// <summary>A request head, then its body's parts, each after a pause: the proxy starts forwarding before the body is whole.</summary>
    public static async Task SendInPartsAsync(RawHttp client, string head, params byte[][] parts)
    {
        await client.SendAsync(head);
        var pause = 50;
        foreach (var part in parts)
        {
            await Task.Delay(pause);
            await client.SendAsync(part);
            pause = 100;
        }
    }

    /// <summary>The one access-log record of <paramref name="path"/>: its attempts, and the body bytes counted as received once, however many attempts sent them.</summary>
    public static async Task AssertAttemptsAsync(TestSidecar sidecar, string path, int attempts, long bytesReceived)
    {
        var record = await sidecar.Telemetry.SingleAsync(path);
        Assert.Equal(attempts, record.Attempts);
        Assert.Equal(bytesReceived, record.BytesReceived);
    }

    /// <summary>Proxy options on the named transport ("Epoll" or "Kestrel").</summary>
    public static ProxyOptions On(string transport) => new() { Transport = new TransportSettings { Kind = Enum.Parse<TransportKind>(transport) } };
}
