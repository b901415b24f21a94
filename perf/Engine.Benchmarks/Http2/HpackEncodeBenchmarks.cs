using System.Buffers;
using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Benchmarks.Http2;

/// <summary>
/// HPACK encoding of heads with a warm dynamic table: the steady state of a connection, where the
/// head was sent before and its repeated fields are one-byte references. Responses are what the
/// server session writes downstream (nginx's 8 fields for the browser GET; a gRPC server's head,
/// with what a sidecar adds, for the call); requests what the client session writes upstream.
/// <list type="bullet">
/// <item><c>WriteResponse</c>: <see cref="Http2HeadWriter.WriteResponse"/> into a reused buffer, as
/// the session writes HEADERS into its output pipe; raw strings, the default
/// (<see cref="Engine.Protocols.Http2.Http2Limits.EncoderHuffman"/> off).</item>
/// <item><c>_Huffman</c>: the same encoder with Huffman coding on.</item>
/// <item><c>FirstResponse_Huffman</c>: the first head on a connection (encoder reset each time):
/// every string literal and inserted.</item>
/// </list>
/// Nothing may be allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class HpackEncodeBenchmarks
{
    private readonly byte[] _block = new byte[8192];
    private readonly ArrayBufferWriter<byte> _frames = new(16_384);
    private HttpRequestHead _request = new();
    private HttpResponseHead _response = new();
    private HpackEncoder _raw = new();
    private HpackEncoder _huffman = new();
    private HpackEncoder _first = new();
    private HpackEncoder _requestRaw = new();
    private HpackEncoder _requestHuffman = new();

    public enum Shape
    {
        Browser,
        Grpc,
    }

    [Params(Shape.Browser, Shape.Grpc)]
    public Shape Message { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _request = Requests.ParseRequest(Message == Shape.Browser ? Requests.BrowserGet : Requests.GrpcCall);
        _response = Requests.ParseResponse(Message == Shape.Browser ? Requests.NginxResponse : Requests.GrpcResponse);
        _raw = Warm(new HpackEncoder(), _response);
        _huffman = Warm(new HpackEncoder(huffman: true), _response);
        _first = new HpackEncoder(huffman: true);
        _requestRaw = Warm(new HpackEncoder(), _request);
        _requestHuffman = Warm(new HpackEncoder(huffman: true), _request);
        Console.WriteLine($"// {Message}: response warm raw {EncodeResponse()} B, Huffman {EncodeResponse_Huffman()} B, first {FirstResponse_Huffman()} B; request warm raw {EncodeRequest()} B, Huffman {EncodeRequest_Huffman()} B");
    }

    [Benchmark(Baseline = true)]
    public int WriteResponse()
    {
        _frames.ResetWrittenCount();
        Http2HeadWriter.WriteResponse(_frames, 1, _response, _raw, endStream: false, 16_384);
        return _frames.WrittenCount;
    }

    [Benchmark]
    public int WriteResponse_Huffman()
    {
        _frames.ResetWrittenCount();
        Http2HeadWriter.WriteResponse(_frames, 1, _response, _huffman, endStream: false, 16_384);
        return _frames.WrittenCount;
    }

    [Benchmark]
    public int EncodeResponse() => _raw.EncodeResponse(_response, _block);

    [Benchmark]
    public int EncodeResponse_Huffman() => _huffman.EncodeResponse(_response, _block);

    [Benchmark]
    public int FirstResponse_Huffman()
    {
        _first.Reset();
        return _first.EncodeResponse(_response, _block);
    }

    [Benchmark]
    public int EncodeRequest() => _requestRaw.EncodeRequest(_request, _block);

    [Benchmark]
    public int EncodeRequest_Huffman() => _requestHuffman.EncodeRequest(_request, _block);

    /// <summary>An encoder that has sent the head twice: the table holds its fields and no size update is pending.</summary>
    private HpackEncoder Warm(HpackEncoder encoder, HttpHead head)
    {
        for (var i = 0; i < 2; i++)
        {
            _ = head is HttpRequestHead request ? encoder.EncodeRequest(request, _block) : encoder.EncodeResponse((HttpResponseHead)head, _block);
        }

        return encoder;
    }
}
