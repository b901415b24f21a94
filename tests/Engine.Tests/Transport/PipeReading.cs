using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace Engine.Tests.Transport;

internal static class PipeReading
{
    /// <summary>Everything until the writer completes.</summary>
    public static async Task<byte[]> ReadToEndAsync(this PipeReader reader)
    {
        while (true)
        {
            var read = await reader.ReadAsync();
            if (read.IsCompleted)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes (fewer only if the stream ends first).</summary>
    public static async Task<byte[]> ReadExactlyAsync(this PipeReader reader, int count)
    {
        while (true)
        {
            var read = await reader.ReadAsync();
            if (read.Buffer.Length >= count || read.IsCompleted)
            {
                var take = read.Buffer.Slice(0, Math.Min(count, read.Buffer.Length));
                var bytes = take.ToArray();
                reader.AdvanceTo(take.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>Everything a socket receives until the peer's FIN.</summary>
    public static async Task<byte[]> ReceiveToEndAsync(this Socket socket)
    {
        var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (await socket.ReceiveAsync(buffer, SocketFlags.None) is var n and > 0)
        {
            all.Write(buffer, 0, n);
        }

        return all.ToArray();
    }

    /// <summary>Exactly <paramref name="count"/> bytes from a socket.</summary>
    public static async Task<byte[]> ReceiveExactlyAsync(this Socket socket, int count)
    {
        var buffer = new byte[count];
        var got = 0;
        while (got < count && await socket.ReceiveAsync(buffer.AsMemory(got), SocketFlags.None) is var n and > 0)
        {
            got += n;
        }

        return buffer[..got];
    }

    public static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)((i * 31) + seed + (i >> 8));
        }

        return bytes;
    }
}
