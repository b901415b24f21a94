using System.Buffers;
using System.Text;
using CsCheck;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Protocols.Tests.Http1;

namespace Engine.Protocols.Tests.Properties;

/// <summary>
/// parse ∘ write = id for heads: a head written with <see cref="Http1HeadWriter"/> (what the proxy
/// sends) parses back to exactly the method, target, status, reason and fields it was written from,
/// in any segmentation; and the canonical text the writer produces is what it was given.
/// </summary>
public sealed class HeadRoundTripProperties
{
    private const int Iterations = 3000;

    private static readonly Gen<(string Method, string Target, string Host, (string Name, string Value)[] Fields)> Request = Gen.Select(
        HttpGen.Method,
        HttpGen.OriginTarget,
        Gen.OneOf("reviews", "reviews:9080", "127.0.0.1:80", "[::1]:15001", "a.b-c.example"),
        Gen.Select(HttpGen.PlainFields, HttpGen.Framing, HttpGen.PlainFields, (a, framing, b) => a.Concat(framing).Concat(b).ToArray()));

    private static readonly Gen<(int Status, string Reason, (string Name, string Value)[] Fields)> Response = Gen.Select(
        Gen.Int[100, 999],
        Gen.Frequency((1, Gen.Const(string.Empty)), (4, HttpGen.StringOf(HttpGen.Alpha + " -'", 1, 24))),
        Gen.Select(HttpGen.PlainFields, HttpGen.Framing, (a, framing) => a.Concat(framing).ToArray()));

    [Fact]
    public void Request_WrittenThenParsed_GivesBackEveryField()
        => Gen.Select(Request, Gen.Int[0, int.MaxValue]).Sample(((string Method, string Target, string Host, (string Name, string Value)[] Fields) r, int splitSeed) =>
        {
            var writer = new ArrayBufferWriter<byte>();
            Http1HeadWriter.WriteRequestLine(writer, Latin1(r.Method), Latin1(r.Target));
            Http1HeadWriter.WriteHeader(writer, "Host"u8, Latin1(r.Host));
            foreach (var (name, value) in r.Fields)
            {
                Http1HeadWriter.WriteHeader(writer, Latin1(name), Latin1(value));
            }

            Http1HeadWriter.WriteEndOfHead(writer);
            var bytes = writer.WrittenSpan.ToArray();

            var head = Parse(bytes, splitSeed, Http1RequestParser.TryParseRequest, new HttpRequestHead());
            Assert.Equal(r.Method, Text(head, head.MethodBytes.IsEmpty ? default : head.MethodBytes, Http1MethodName(head)));
            Assert.Equal(r.Target, HeadParseHarness.Text(head, head.Path));
            Assert.Equal(r.Target.IndexOf('?', StringComparison.Ordinal), head.QueryOffset);
            Assert.Equal(r.Host, HeadParseHarness.Text(head, head.Authority));
            Assert.Equal(HttpVersion.Http11, head.Version);
            AssertFields([("Host", r.Host), .. r.Fields], head);
            AssertFraming(r.Fields, head);

            // write ∘ parse = id on canonical text: the parsed head written again is byte for byte the same.
            var again = new ArrayBufferWriter<byte>();
            Http1HeadWriter.WriteRequestLine(again, head);
            Http1HeadWriter.WriteHeaders(again, head);
            Http1HeadWriter.WriteEndOfHead(again);
            Assert.Equal(Encoding.Latin1.GetString(bytes), Encoding.Latin1.GetString(again.WrittenSpan));
        }, iter: Iterations);

    [Fact]
    public void Response_WrittenThenParsed_GivesBackEveryField()
        => Gen.Select(Response, Gen.Int[0, int.MaxValue]).Sample(((int Status, string Reason, (string Name, string Value)[] Fields) r, int splitSeed) =>
        {
            var writer = new ArrayBufferWriter<byte>();
            Http1HeadWriter.WriteStatusLine(writer, r.Status, Latin1(r.Reason));
            foreach (var (name, value) in r.Fields)
            {
                Http1HeadWriter.WriteHeader(writer, Latin1(name), Latin1(value));
            }

            Http1HeadWriter.WriteEndOfHead(writer);
            var bytes = writer.WrittenSpan.ToArray();

            var head = Parse(bytes, splitSeed, Http1ResponseParser.TryParseResponse, new HttpResponseHead());
            Assert.Equal(r.Status, head.StatusCode);
            Assert.Equal(r.Reason, HeadParseHarness.Text(head, head.Reason));
            AssertFields(r.Fields, head);
            AssertFraming(r.Fields, head);

            var again = new ArrayBufferWriter<byte>();
            Http1HeadWriter.WriteStatusLine(again, head.StatusCode, head.Span(head.Reason));
            Http1HeadWriter.WriteHeaders(again, head);
            Http1HeadWriter.WriteEndOfHead(again);
            Assert.Equal(Encoding.Latin1.GetString(bytes), Encoding.Latin1.GetString(again.WrittenSpan));
        }, iter: Iterations);

    [Fact]
    public void Request_OptionalWhitespaceAroundValues_ParsesLikeTheCanonicalForm()
        => Gen.Select(Request, Gen.OneOf("", " ", "\t", "  \t "), Gen.OneOf("", " ", "\t ")).Sample(((string Method, string Target, string Host, (string Name, string Value)[] Fields) r, string before, string after) =>
        {
            string Text(string ows1, string ows2)
                => $"{r.Method} {r.Target} HTTP/1.1\r\nHost:{ows1}{r.Host}{ows2}\r\n" + string.Concat(r.Fields.Select(f => $"{f.Name}:{ows1}{f.Value}{ows2}\r\n")) + "\r\n";

            var canonical = HeadParseHarness.Describe(Parse(Encoding.Latin1.GetBytes(Text(" ", "")), 0, Http1RequestParser.TryParseRequest, new HttpRequestHead()));
            var padded = HeadParseHarness.Describe(Parse(Encoding.Latin1.GetBytes(Text(before, after)), 1, Http1RequestParser.TryParseRequest, new HttpRequestHead()));
            Assert.Equal(canonical, padded);
        }, iter: Iterations / 3);

    private static ReadOnlySpan<byte> Latin1(string text) => Encoding.Latin1.GetBytes(text);

    private static string Http1MethodName(HttpRequestHead head) => Encoding.Latin1.GetString(Http1Methods.NameOf(head.Method));

    private static string Text(HttpHead head, ByteRange range, string fallback) => range.IsEmpty ? fallback : HeadParseHarness.Text(head, range);

    /// <summary>Parses whole and cut at generated points; both must be complete, consume everything and agree.</summary>
    private static THead Parse<THead>(byte[] bytes, int splitSeed, HeadParseHarness.Parser<THead> parse, THead head)
        where THead : HttpHead
    {
        var status = parse(new ReadOnlySequence<byte>(bytes), head, Http1Limits.Default, out var consumed, out var error);
        Assert.True(status == Http1ParseStatus.Complete, $"{status} {error}: {Encoding.Latin1.GetString(bytes)}");
        Assert.Equal(bytes.Length, new ReadOnlySequence<byte>(bytes).Slice(0, consumed).Length);

        var cuts = SplitPoints(bytes.Length, splitSeed);
        var split = Sequences.Split(bytes, cuts);
        var other = (THead)Activator.CreateInstance(typeof(THead))!;
        status = parse(split, other, Http1Limits.Default, out consumed, out error);
        Assert.Equal(Http1ParseStatus.Complete, status);
        Assert.Equal(bytes.Length, Sequences.Offset(split, consumed));
        Assert.Equal(HeadParseHarness.Describe(head), HeadParseHarness.Describe(other));
        return head;
    }

    /// <summary>Up to 8 increasing split points in (0, length), derived from a generated seed.</summary>
    private static int[] SplitPoints(int length, int seed)
    {
        if (length < 2)
        {
            return [];
        }

        var points = new SortedSet<int>();
        var state = (uint)seed | 1;
        for (var i = 0; i < (seed & 7); i++)
        {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            points.Add(1 + (int)(state % (uint)(length - 1)));
        }

        return [.. points];
    }

    private static void AssertFields((string Name, string Value)[] expected, HttpHead head)
    {
        Assert.Equal(expected.Length, head.HeaderCount);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Name, Encoding.Latin1.GetString(head.NameOf(i)));
            Assert.Equal(expected[i].Value, Encoding.Latin1.GetString(head.ValueOf(i)));
        }
    }

    private static void AssertFraming((string Name, string Value)[] fields, HttpHead head)
    {
        var length = fields.Where(f => f.Name == "Content-Length").Select(f => long.Parse(f.Value, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).First();
        Assert.Equal(length, head.ContentLength);
        Assert.Equal(fields.Any(f => f.Name == "Transfer-Encoding"), head.Chunked);
    }
}
