using System.Buffers;
using System.Buffers.Text;
using Engine.Protocols.Http;

namespace Engine.Protocols.Http1;

/// <summary>
/// Writes chunked framing (RFC 9112 §7.1) around body bytes the proxy forwards: it always re-chunks
/// and never forwards a peer's chunk extensions (robustness.md §1.5 #8).
/// </summary>
public static class ChunkedEncoder
{
    /// <summary>Longest chunk header: 16 hex digits and CRLF.</summary>
    public const int MaxChunkHeaderLength = 18;

    private static readonly StandardFormat Hex = new('X');

    /// <summary>CRLF that ends a chunk's data.</summary>
    public static ReadOnlySpan<byte> ChunkTerminator => "\r\n"u8;

    /// <summary>The last chunk with no trailers.</summary>
    public static ReadOnlySpan<byte> LastChunk => "0\r\n\r\n"u8;

    /// <summary>Writes "hex-size CRLF"; false when <paramref name="destination"/> is too small.</summary>
    public static bool TryWriteChunkHeader(Span<byte> destination, long size, out int written)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        if (!Utf8Formatter.TryFormat((ulong)size, destination, out written, Hex) || destination.Length < written + 2)
        {
            written = 0;
            return false;
        }

        destination[written++] = Http1Chars.CR;
        destination[written++] = Http1Chars.LF;
        return true;
    }

    public static void WriteChunkHeader(IBufferWriter<byte> writer, long size)
    {
        TryWriteChunkHeader(writer.GetSpan(MaxChunkHeaderLength), size, out var written);
        writer.Advance(written);
    }

    public static void WriteChunkTerminator(IBufferWriter<byte> writer) => writer.Write(ChunkTerminator);

    /// <summary>Writes one whole chunk (header, data, CRLF); empty data writes nothing (a 0 would end the body).</summary>
    public static void WriteChunk(IBufferWriter<byte> writer, ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        WriteChunkHeader(writer, data.Length);
        writer.Write(data);
        WriteChunkTerminator(writer);
    }

    /// <summary>Writes the last chunk, then the trailer fields (if any) and the final CRLF.</summary>
    public static void WriteLastChunk(IBufferWriter<byte> writer, HttpHead? trailers = null)
    {
        if (trailers is null || trailers.HeaderCount == 0)
        {
            writer.Write(LastChunk);
            return;
        }

        writer.Write("0\r\n"u8);
        Http1HeadWriter.WriteHeaders(writer, trailers);
        Http1HeadWriter.WriteEndOfHead(writer);
    }
}
