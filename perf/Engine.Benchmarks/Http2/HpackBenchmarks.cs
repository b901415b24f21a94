using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Benchmarks.Http2;

/// <summary>
/// HPACK encode and decode of a typical request (the 12-field browser GET of the HTTP/1.1 suites,
/// translated) and response (nginx's 8 fields). "Literal" is the first message on a connection, or
/// any message from a stateless encoder: every string is sent, Huffman-coded as most clients do.
/// "Indexed" is the steady state of a connection with dynamic tables on both sides (the second and
/// later messages), Huffman-coded; "IndexedRaw" the same with raw strings, our encoder's default.
/// Decoding writes into a reused head, as the session does; nothing may be allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class HpackBenchmarks
{
    private readonly byte[] _block = new byte[8192];
    private readonly HttpRequestHead _decodedRequest = new();
    private readonly HttpResponseHead _decodedResponse = new();
    private readonly ArrayBufferWriter<byte> _frames = new(16_384);
    private readonly Http2Limits _limits = Http2Limits.Default;
    private HttpRequestHead _request = new();
    private HttpResponseHead _response = new();
    private HpackEncoder _indexingEncoder = new();
    private HpackEncoder _rawEncoder = new();
    private HpackEncoder _indexingRawEncoder = new();
    private HpackEncoder _statelessEncoder = new();
    private HpackDecoder _decoder = new();
    private HpackDecoder _indexedRequestDecoder = new();
    private HpackDecoder _indexedResponseDecoder = new();
    private byte[] _literalRequest = [];
    private byte[] _indexedRequest = [];
    private byte[] _literalResponse = [];
    private byte[] _indexedResponse = [];

    [GlobalSetup]
    public void Setup()
    {
        _request = Requests.ParseRequest(Requests.BrowserGet);
        _response = Requests.ParseResponse(Requests.NginxResponse);
        _indexingEncoder = new HpackEncoder(huffman: true);
        _indexingRawEncoder = new HpackEncoder();
        _rawEncoder = new HpackEncoder(maxTableSize: 0, huffman: false);
        _statelessEncoder = new HpackEncoder(maxTableSize: 0, huffman: true);
        _decoder = new HpackDecoder();

        // A stateless encoder's block (after its one-time size update) leaves the decoder's table alone: repeatable.
        Encode(_statelessEncoder, _request);
        _literalRequest = Encode(_statelessEncoder, _request);
        var responseEncoder = new HpackEncoder(maxTableSize: 0, huffman: true);
        Encode(responseEncoder, _response);
        _literalResponse = Encode(responseEncoder, _response);
        _decoder = Primed(new HpackDecoder(), Encode(new HpackEncoder(maxTableSize: 0, huffman: true), _request));

        // The second block of an indexing encoder only references the table: repeatable on a primed decoder.
        var encoder = new HpackEncoder(huffman: true);
        _indexedRequestDecoder = Primed(new HpackDecoder(), Encode(encoder, _request));
        _indexedRequest = Encode(encoder, _request);
        encoder = new HpackEncoder(huffman: true);
        _indexedResponseDecoder = Primed(new HpackDecoder(), Encode(encoder, _response));
        _indexedResponse = Encode(encoder, _response);
        Encode(_indexingEncoder, _request);
        Encode(_indexingEncoder, _response);
        Encode(_indexingRawEncoder, _request);
        Encode(_indexingRawEncoder, _response);
        Console.WriteLine($"// block sizes: request literal {_literalRequest.Length} B, indexed {_indexedRequest.Length} B, raw {Encode(new HpackEncoder(0, false), _request).Length - 1} B; response literal {_literalResponse.Length} B, indexed {_indexedResponse.Length} B");
    }

    [Benchmark(Baseline = true)]
    public Http2Error DecodeRequest_Literal() => Http2HeadDecoder.DecodeRequest(_decoder, _literalRequest, _decodedRequest, _limits);

    [Benchmark]
    public Http2Error DecodeRequest_Indexed() => Http2HeadDecoder.DecodeRequest(_indexedRequestDecoder, _indexedRequest, _decodedRequest, _limits);

    [Benchmark]
    public Http2Error DecodeResponse_Literal() => Http2HeadDecoder.DecodeResponse(_decoder, _literalResponse, _decodedResponse, endStream: false, _limits);

    [Benchmark]
    public Http2Error DecodeResponse_Indexed() => Http2HeadDecoder.DecodeResponse(_indexedResponseDecoder, _indexedResponse, _decodedResponse, endStream: false, _limits);

    [Benchmark]
    public int EncodeRequest_Indexed() => _indexingEncoder.EncodeRequest(_request, _block);

    [Benchmark]
    public int EncodeRequest_IndexedRaw() => _indexingRawEncoder.EncodeRequest(_request, _block);

    [Benchmark]
    public int EncodeRequest_Literal() => _statelessEncoder.EncodeRequest(_request, _block);

    [Benchmark]
    public int EncodeRequest_RawNoHuffman() => _rawEncoder.EncodeRequest(_request, _block);

    [Benchmark]
    public int EncodeResponse_Indexed() => _indexingEncoder.EncodeResponse(_response, _block);

    [Benchmark]
    public int EncodeResponse_IndexedRaw() => _indexingRawEncoder.EncodeResponse(_response, _block);

    [Benchmark]
    public int EncodeResponse_Literal() => _statelessEncoder.EncodeResponse(_response, _block);

    /// <summary>Encode straight into HEADERS frames in the output buffer, as the session writes a response.</summary>
    [Benchmark]
    public int WriteResponseHeadersFrame_IndexedRaw()
    {
        _frames.ResetWrittenCount();
        Http2HeadWriter.WriteResponse(_frames, 1, _response, _indexingRawEncoder, endStream: false, 16_384);
        return _frames.WrittenCount;
    }

    private static HpackDecoder Primed(HpackDecoder decoder, byte[] block)
    {
        Http2HeadDecoder.Skip(decoder, block, new HttpTrailers());
        return decoder;
    }

    private static byte[] Encode(HpackEncoder encoder, HttpHead head)
    {
        var block = new byte[HpackEncoder.GetMaxEncodedLength(head)];
        var length = head is HttpRequestHead request ? encoder.EncodeRequest(request, block) : encoder.EncodeResponse((HttpResponseHead)head, block);
        return block.AsSpan(0, length).ToArray();
    }
}
