using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http2;

namespace Engine.Benchmarks.Http2;

[MemoryDiagnoser]
public class ScratchBenchmarks
{
    private readonly byte[] _text = Encoding.ASCII.GetBytes("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8");
    private byte[] _huff = [];
    private readonly byte[] _out = new byte[4096];
    private ReadOnlySequence<byte> _frame;

    [GlobalSetup]
    public void Setup()
    {
        _huff = new byte[Huffman.GetEncodedLength(_text)];
        Huffman.Encode(_text, _huff);
        var w = new ArrayBufferWriter<byte>();
        Http2FrameWriter.WriteData(w, 1, new ReadOnlySequence<byte>(new byte[100]), false, 16384);
        _frame = new ReadOnlySequence<byte>(w.WrittenMemory);
    }

    [Benchmark] public int HuffDecode() => Huffman.Decode(_huff, _out);
    [Benchmark] public int HuffEncode() => Huffman.Encode(_text, _out);
    [Benchmark] public int HuffLength() => Huffman.GetEncodedLength(_text);
    [Benchmark] public int FindName() => HpackStaticTable.FindName("user-agent"u8) + HpackStaticTable.FindName("x-request-id"u8);
    [Benchmark] public Http2Error CheckField() => Http2FieldRules.CheckRegularField("user-agent"u8, _text, out _);
    [Benchmark] public Http2ReadStatus ReadOneFrame() => Http2FrameReader.TryReadFrame(_frame, 16384, out _, out _, out _);
}
