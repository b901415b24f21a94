using System.Buffers;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;

namespace Engine.Fuzz.Targets;

/// <summary>
/// <see cref="Http1RequestParser"/> on arbitrary bytes (a downstream client can send anything).
/// Beyond <see cref="HeadParserOracle{THead}"/>: an HTTP/1.1 head that parsed, written back with
/// <see cref="Http1HeadWriter"/> (what the proxy sends upstream), parses to the same fields; and the
/// path normaliser, run on it as the proxy does before routing, is idempotent; every field line the
/// proxy would copy from the arena is the field as it would write it (<see cref="FieldLineOracle"/>).
/// </summary>
internal sealed class RequestParserTarget : IFuzzTarget
{
    private readonly HeadParserOracle<HttpRequestHead> _oracle = new(Http1RequestParser.TryParseRequest, () => new HttpRequestHead()) { WithMemo = Http1RequestParser.TryParseRequest };
    private readonly HttpRequestHead _reparsed = new();
    private readonly ArrayBufferWriter<byte> _writer = new();

    public string Name => "request";

    public string Description => "HTTP/1.1 request head parser: segmentation, prefixes, reuse, write-then-parse round trip, path normalisation";

    public void Run(ReadOnlySpan<byte> input)
    {
        var head = _oracle.Check(input.ToArray(), out _);
        if (head is null)
        {
            return;
        }

        FieldLineOracle.Check(head);
        if (head.Version == HttpVersion.Http11)
        {
            RoundTrip(head);
        }

        Normalize(head);
    }

    private void RoundTrip(HttpRequestHead head)
    {
        // An absolute-form target overrides Host (which may then be empty); the proxy writes
        // origin-form with Host set to the target's authority (RequestHeadSerializer), so do the same.
        var host = head.IndexOf(KnownHeader.Host);
        if (head.AbsoluteForm && host >= 0)
        {
            head.HeaderAt(host).Value = head.Authority;
        }

        _writer.ResetWrittenCount();
        Http1HeadWriter.WriteRequestLine(_writer, head);
        Http1HeadWriter.WriteHeaders(_writer, head);
        Http1HeadWriter.WriteEndOfHead(_writer);
        var written = new ReadOnlySequence<byte>(_writer.WrittenMemory);
        var status = Http1RequestParser.TryParseRequest(written, _reparsed, Http1Limits.Default, out var consumed, out var error);
        OracleViolation.Equal(Http1ParseStatus.Complete, status, $"re-parse of the written head ({error})");
        OracleViolation.Equal(written.Length, Segments.Offset(written, consumed), "re-parse consumed");
        OracleViolation.Equal(HeadPicture.Of(head, true, head.AbsoluteForm), HeadPicture.Of(_reparsed, true, head.AbsoluteForm), "written head re-parsed");
    }

    private static void Normalize(HttpRequestHead head)
    {
        var before = head.Span(head.Path).ToArray();
        if (!PathNormalizer.TryNormalize(head))
        {
            OracleViolation.Check(before.AsSpan().IndexOf("%00"u8) >= 0, "normaliser rejected a path without %00");
            return;
        }

        var once = head.Span(head.Path).ToArray();
        var queryOnce = head.QueryOffset;
        OracleViolation.Check(PathNormalizer.TryNormalize(head), "normaliser rejected its own output");
        OracleViolation.Check(head.Span(head.Path).SequenceEqual(once) && head.QueryOffset == queryOnce, "normalising twice changed the path");
    }
}
