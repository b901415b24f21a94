using System.Text;
using BenchmarkDotNet.Attributes;
using Engine.Protocols.Hpack;

namespace Engine.Benchmarks.Http2;

/// <summary>
/// HPACK Huffman coding of header text (a browser user-agent and accept value, 187 characters):
/// the part of HPACK whose cost grows with header size. Nothing may be allocated.
/// </summary>
[MemoryDiagnoser]
public class HuffmanBenchmarks
{
    private readonly byte[] _text = Encoding.ASCII.GetBytes(
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 " +
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8");

    private readonly byte[] _output = new byte[4096];
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup()
    {
        _encoded = new byte[Huffman.GetEncodedLength(_text)];
        Huffman.Encode(_text, _encoded);
    }

    [Benchmark(Baseline = true)]
    public int Decode() => Huffman.Decode(_encoded, _output);

    [Benchmark]
    public int Encode() => Huffman.Encode(_text, _output);

    /// <summary>What the encoder pays to decide whether Huffman is shorter.</summary>
    [Benchmark]
    public int EncodedLength() => Huffman.GetEncodedLength(_text);
}
