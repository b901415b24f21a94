using System.Text;
using Engine.Protocols.Hpack;

namespace Engine.Protocols.Tests.Http2;

/// <summary>Field blocks of raw literals (RFC 7541 §6.2.2, no Huffman): any bytes at all, so tests can send what an encoder never would.</summary>
internal static class RawBlock
{
    public static byte[] Of(params (string Name, string Value)[] fields)
    {
        var block = new List<byte>();
        foreach (var (name, value) in fields)
        {
            block.Add(0x00);
            AddString(block, name);
            AddString(block, value);
        }

        return [.. block];
    }

    /// <summary>A literal with incremental indexing (§6.2.1): the field also enters the dynamic table.</summary>
    public static byte[] Indexed(string name, string value)
    {
        var block = new List<byte> { 0x40 };
        AddString(block, name);
        AddString(block, value);
        return [.. block];
    }

    private static void AddString(List<byte> block, string text)
    {
        var bytes = Encoding.Latin1.GetBytes(text);
        var length = new byte[HpackInteger.MaxEncodedLength];
        block.AddRange(length.AsSpan(0, HpackInteger.Encode(bytes.Length, 7, 0, length)).ToArray());
        block.AddRange(bytes);
    }
}
