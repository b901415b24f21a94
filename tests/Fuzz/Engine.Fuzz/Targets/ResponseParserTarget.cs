using System.Buffers;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Fuzz.Targets;

/// <summary>
/// <see cref="Http1ResponseParser"/> on arbitrary bytes (an upstream can answer anything). Beyond
/// <see cref="HeadParserOracle{THead}"/>: an HTTP/1.1 head that parsed, written back with its reason
/// and fields (what the proxy sends downstream), parses to the same fields; every field line the
/// proxy would copy from the arena is the field as it would write it (<see cref="FieldLineOracle"/>).
/// </summary>
internal sealed class ResponseParserTarget : IFuzzTarget
{
    private readonly HeadParserOracle<HttpResponseHead> _oracle = new(Http1ResponseParser.TryParseResponse, () => new HttpResponseHead()) { WithMemo = Http1ResponseParser.TryParseResponse };
    private readonly HttpResponseHead _reparsed = new();
    private readonly ArrayBufferWriter<byte> _writer = new();

    public string Name => "response";

    public string Description => "HTTP/1.1 response head parser: segmentation, prefixes, reuse, write-then-parse round trip";

    public void Run(ReadOnlySpan<byte> input)
    {
        var head = _oracle.Check(input.ToArray(), out _);
        if (head is not null)
        {
            FieldLineOracle.Check(head);
        }

        if (head is null || head.Version != HttpVersion.Http11)
        {
            return;
        }

        _writer.ResetWrittenCount();
        Http1HeadWriter.WriteStatusLine(_writer, head.StatusCode, head.Span(head.Reason));
        Http1HeadWriter.WriteHeaders(_writer, head);
        Http1HeadWriter.WriteEndOfHead(_writer);
        var written = new ReadOnlySequence<byte>(_writer.WrittenMemory);
        var status = Http1ResponseParser.TryParseResponse(written, _reparsed, Http1Limits.Default, out var consumed, out var error);
        OracleViolation.Equal(Http1ParseStatus.Complete, status, $"re-parse of the written head ({error})");
        OracleViolation.Equal(written.Length, Segments.Offset(written, consumed), "re-parse consumed");
        OracleViolation.Equal(HeadPicture.Of(head, roundTripView: true), HeadPicture.Of(_reparsed, roundTripView: true), "written head re-parsed");
    }
}
