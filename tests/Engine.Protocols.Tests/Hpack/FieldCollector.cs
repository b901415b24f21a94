using System.Text;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Protocols.Tests.Hpack;

/// <summary>A sink that records every decoded field as text, for comparing with the RFC's lists.</summary>
internal readonly struct FieldCollector(HttpHead head, List<(string Name, string Value, bool NeverIndexed)> fields) : IHpackSink
{
    public Http2Error OnField(ReadOnlySpan<byte> name, ByteRange nameInArena, ByteRange value, bool neverIndexed)
    {
        fields.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(head.Span(value)), neverIndexed));
        return Http2Error.None;
    }

    public static Http2Error Decode(HpackDecoder decoder, string hex, out List<(string Name, string Value, bool NeverIndexed)> fields, int maxBytes = 60 * 1024, int maxCount = 100)
        => Decode(decoder, Convert.FromHexString(hex), out fields, maxBytes, maxCount);

    public static Http2Error Decode(HpackDecoder decoder, byte[] block, out List<(string Name, string Value, bool NeverIndexed)> fields, int maxBytes = 60 * 1024, int maxCount = 100)
    {
        var head = new HttpTrailers();
        fields = [];
        var sink = new FieldCollector(head, fields);
        return decoder.Decode(block, head, ref sink, maxBytes, maxCount);
    }

    /// <summary>The dynamic table as (name, value) newest first.</summary>
    public static List<(string, string)> TableOf(HpackDynamicTable table)
    {
        var entries = new List<(string, string)>();
        for (var i = 0; i < table.Count; i++)
        {
            entries.Add((Encoding.Latin1.GetString(table.NameAt(i)), Encoding.Latin1.GetString(table.ValueAt(i))));
        }

        return entries;
    }
}
