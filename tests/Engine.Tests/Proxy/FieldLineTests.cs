using System.Buffers;
using System.Text;
using Engine.Protocols.Http;
using Engine.Protocols.Http1;
using Engine.Proxy;

namespace Engine.Tests.Proxy;

/// <summary>
/// Fields written from the lines they came in (<see cref="PipeHeadWriter.WriteField"/>): runs of
/// unedited "name: value" lines are copied from the head's arena in one piece, and the bytes must
/// be exactly those of writing each field's name, ": ", value and CRLF.
/// </summary>
public sealed class FieldLineTests
{
    private static HttpResponseHead Parse(string head)
    {
        var parsed = new HttpResponseHead();
        var status = Http1ResponseParser.TryParseResponse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(head)), parsed, Http1Limits.Default, out _, out _);
        Assert.Equal(Http1ParseStatus.Complete, status);
        return parsed;
    }

    /// <summary>The fields at <paramref name="kept"/>, one field at a time (the reference) or through WriteField.</summary>
    private static string Write(HttpHead head, int[] kept, bool byLines)
    {
        var output = new ArrayBufferWriter<byte>();
        var w = new PipeHeadWriter(output);
        foreach (var index in kept)
        {
            ref readonly var field = ref head.Headers[index];
            if (byLines)
            {
                w.WriteField(head, field);
            }
            else
            {
                w.WriteHeader(head.Span(field.Name), head.Span(field.Value));
            }
        }

        w.EndFields(head);
        w.Commit();
        return Encoding.Latin1.GetString(output.WrittenSpan);
    }

    [Fact]
    public void OnlyFieldsStillLaidOutAsTheirLines_AreTakenFromTheArena()
    {
        var head = Parse("HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Tight:value\r\nX-Padded:   padded  \r\nDate: Fri\r\nX-Empty: \r\nX-Tab:\tvalue\r\n\r\n");
        var lines = head.Headers.ToArray().Select(field => head.TryGetFieldLine(field, out _)).ToArray();
        Assert.Equal([true, false, false, true, false, false], lines); // an empty value's range is not at its line: written field by field

        head.TryGetFieldLine(head.Headers[0], out var line);
        Assert.Equal("Server: nginx\r\n", Encoding.Latin1.GetString(head.Span(line)));

        // A value replaced elsewhere in the arena, or a field added, is not a line any more.
        head.HeaderAt(3).Value = head.Append("Sat"u8);
        head.AddHeader("x-added"u8, "1"u8);
        Assert.False(head.TryGetFieldLine(head.Headers[3], out _));
        Assert.False(head.TryGetFieldLine(head.Headers[6], out _));
    }

    [Fact]
    public void KeptRuns_AreWrittenAsTheFieldsWouldBe()
    {
        var head = Parse("HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Fri, 27 Nov 2026 19:00:00 GMT\r\nContent-Type: text/plain\r\nConnection: keep-alive\r\nX-Tight:value\r\nContent-Length: 12\r\n\r\n");
        int[] kept = [0, 1, 2, 4, 5]; // connection dropped, as the serializer drops it
        Assert.Equal(Write(head, kept, byLines: false), Write(head, kept, byLines: true));
        Assert.Equal(
            "Server: nginx\r\nDate: Fri, 27 Nov 2026 19:00:00 GMT\r\nContent-Type: text/plain\r\nX-Tight: value\r\nContent-Length: 12\r\n",
            Write(head, kept, byLines: true));
    }

    [Fact]
    public async Task ResponseSerializer_DropsHopByHopFieldsBetweenRuns()
    {
        var head = Parse("HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: keep-alive, x-hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\nX-Kept: 2\r\nContent-Length: 0\r\n\r\n");
        var pipe = new System.IO.Pipelines.Pipe();
        ResponseHeadSerializer.Write(pipe.Writer, head, new DownstreamResponseExtras(Chunked: false, Close: false, KeepAliveHeader: false, ServiceTimeMs: 3));
        await pipe.Writer.FlushAsync();
        var read = await pipe.Reader.ReadAsync();
        Assert.Equal(
            "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Kept: 2\r\nContent-Length: 0\r\nx-envoy-upstream-service-time: 3\r\n\r\n",
            Encoding.Latin1.GetString(read.Buffer.ToArray()));
    }

    [Fact]
    public void RandomHeadsAndSubsets_WriteTheSameBytesEitherWay()
    {
        var random = new Random(20261127);
        string[] separators = [": ", ":", ":  ", ":\t", ": "];
        for (var round = 0; round < 500; round++)
        {
            var text = new StringBuilder("HTTP/1.1 200 OK\r\n");
            var count = random.Next(1, 12);
            for (var i = 0; i < count; i++)
            {
                var value = new string('v', random.Next(0, 6)) + i;
                text.Append("X-F").Append(i).Append(separators[random.Next(separators.Length)]).Append(value).Append(random.Next(5) == 0 ? " " : string.Empty).Append("\r\n");
            }

            var head = Parse(text.Append("\r\n").ToString());
            for (var i = 0; i < head.HeaderCount; i++)
            {
                // Edits as the route's header rules make them: a value replaced, a field added.
                if (random.Next(6) == 0)
                {
                    head.HeaderAt(i).Value = head.Append("edited"u8);
                }
            }

            if (random.Next(3) == 0)
            {
                head.AddHeader("x-added"u8, "yes"u8);
            }

            var kept = Enumerable.Range(0, head.HeaderCount).Where(_ => random.Next(4) != 0).ToArray();
            Assert.Equal(Write(head, kept, byLines: false), Write(head, kept, byLines: true));
        }
    }
}
