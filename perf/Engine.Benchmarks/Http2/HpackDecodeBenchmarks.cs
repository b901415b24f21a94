using BenchmarkDotNet.Attributes;
using Engine.Benchmarks.Support;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;
using Engine.Protocols.Http2;

namespace Engine.Benchmarks.Http2;

/// <summary>
/// HPACK decoding of request heads into the shared model, as the server session does it
/// (<see cref="Http2HeadDecoder.DecodeRequest"/> into a reused <see cref="HttpRequestHead"/>), for a
/// browser-like GET (12 fields, cookies) and a unary gRPC call (9 fields). The blocks come from an
/// indexing, Huffman-coding encoder, as a peer sidecar or a browser sends them:
/// <list type="bullet">
/// <item><c>FirstRequest</c>: the first block on a connection (decoder reset each time): every
/// string Huffman-decoded, most fields inserted into the dynamic table.</item>
/// <item><c>RepeatRequest</c>: the next request on that connection, the same fields but a new
/// request id, query or trace context: table references plus the few never-indexed literals.</item>
/// </list>
/// <c>RepeatRequest_Memoized</c>: that same block once more through the connection's
/// <see cref="HeadBlockMemo{THead}"/>, which copies the head it kept (a client that repeats a
/// request exactly; one with a new id each time sends other bytes and is decoded).
/// The response side (what the client session decodes from an upstream) is measured the same way.
/// Nothing may be allocated per operation.
/// </summary>
[MemoryDiagnoser]
public class HpackDecodeBenchmarks
{
    private readonly HttpRequestHead _request = new();
    private readonly HttpResponseHead _response = new();
    private readonly Http2Limits _limits = Http2Limits.Default;
    private HpackDecoder _firstDecoder = new();
    private HpackDecoder _repeatDecoder = new();
    private HpackDecoder _firstResponseDecoder = new();
    private HpackDecoder _repeatResponseDecoder = new();
    private byte[] _firstRequest = [];
    private byte[] _repeatRequest = [];
    private byte[] _firstResponse = [];
    private byte[] _repeatResponse = [];
    private HeadBlockMemo<HttpRequestHead> _requestMemo = new();

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
        var (first, next, response) = Message == Shape.Browser
            ? (Requests.BrowserGet, Requests.BrowserGetNext, Requests.NginxResponse)
            : (Requests.GrpcCall, Requests.GrpcCallNext, Requests.GrpcResponse);

        var encoder = new HpackEncoder(huffman: true);
        _firstRequest = HpackBlocks.Encode(encoder, Requests.ParseRequest(first));
        _repeatRequest = HpackBlocks.Encode(encoder, Requests.ParseRequest(next));
        HpackBlocks.EnsureRepeatable(encoder, Requests.ParseRequest(next), _repeatRequest);
        _firstDecoder = new HpackDecoder();
        _repeatDecoder = HpackBlocks.Primed(new HpackDecoder(), _firstRequest);

        encoder = new HpackEncoder(huffman: true);
        var responseHead = Requests.ParseResponse(response);
        _firstResponse = HpackBlocks.Encode(encoder, responseHead);
        _repeatResponse = HpackBlocks.Encode(encoder, responseHead);
        HpackBlocks.EnsureRepeatable(encoder, responseHead, _repeatResponse);
        _firstResponseDecoder = new HpackDecoder();
        _repeatResponseDecoder = HpackBlocks.Primed(new HpackDecoder(), _firstResponse);

        _requestMemo = new HeadBlockMemo<HttpRequestHead>();
        for (var i = 0; i < 3; i++)
        {
            RepeatRequest_Memoized();
        }

        if (_requestMemo.Replays != 1)
        {
            throw new InvalidOperationException("the memo did not keep the head");
        }

        // Every block must decode cleanly, or the figures measure an error path.
        Check(FirstRequest(), RepeatRequest(), FirstResponse(), RepeatResponse());
        Console.WriteLine($"// {Message}: request first {_firstRequest.Length} B, repeat {_repeatRequest.Length} B; response first {_firstResponse.Length} B, repeat {_repeatResponse.Length} B");
    }

    [Benchmark(Baseline = true)]
    public Http2Error FirstRequest()
    {
        _firstDecoder.Reset();
        return Http2HeadDecoder.DecodeRequest(_firstDecoder, _firstRequest, _request, _limits);
    }

    [Benchmark]
    public Http2Error RepeatRequest() => Http2HeadDecoder.DecodeRequest(_repeatDecoder, _repeatRequest, _request, _limits);

    [Benchmark]
    public Http2Error RepeatRequest_Memoized() => Http2HeadDecoder.DecodeRequest(_repeatDecoder, _repeatRequest, _request, _limits, _requestMemo);

    [Benchmark]
    public Http2Error FirstResponse()
    {
        _firstResponseDecoder.Reset();
        return Http2HeadDecoder.DecodeResponse(_firstResponseDecoder, _firstResponse, _response, endStream: false, _limits);
    }

    [Benchmark]
    public Http2Error RepeatResponse() => Http2HeadDecoder.DecodeResponse(_repeatResponseDecoder, _repeatResponse, _response, endStream: false, _limits);

    private static void Check(params ReadOnlySpan<Http2Error> results)
    {
        foreach (var result in results)
        {
            if (result != Http2Error.None)
            {
                throw new InvalidOperationException($"benchmark block does not decode: {result}");
            }
        }
    }
}
