using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Benchmarks.Support;

/// <summary>Field blocks for the HPACK suites, and the checks that keep a repeated operation honest.</summary>
internal static class HpackBlocks
{
    public static byte[] Encode(HpackEncoder encoder, HttpHead head)
    {
        var block = new byte[HpackEncoder.GetMaxEncodedLength(head)];
        var length = head is HttpRequestHead request ? encoder.EncodeRequest(request, block) : encoder.EncodeResponse((HttpResponseHead)head, block);
        return block.AsSpan(0, length).ToArray();
    }

    /// <summary>A decoder that has seen <paramref name="block"/>, as one does after a connection's first message.</summary>
    public static HpackDecoder Primed(HpackDecoder decoder, byte[] block)
    {
        var error = Http2HeadDecoder.Skip(decoder, block, new HttpTrailers());
        if (error != Http2Error.None)
        {
            throw new InvalidOperationException($"priming block does not decode: {error}");
        }

        return decoder;
    }

    /// <summary>
    /// A block decoded again and again must leave the decoder's table as it found it, or later
    /// iterations would read other entries than the first. It does when encoding the same head once
    /// more gives the same bytes: had the block inserted an entry, the next one would reference it.
    /// </summary>
    public static void EnsureRepeatable(HpackEncoder encoder, HttpHead head, byte[] block)
    {
        if (!Encode(encoder, head).AsSpan().SequenceEqual(block))
        {
            throw new InvalidOperationException("the repeat block inserts into the dynamic table: it cannot be decoded repeatedly");
        }
    }
}
