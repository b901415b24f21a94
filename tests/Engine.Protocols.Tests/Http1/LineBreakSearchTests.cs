using Engine.Protocols.Http1;

namespace Engine.Protocols.Tests.Http1;

/// <summary>
/// The head scanner's CR/LF finder against a plain loop: every span length around the 16- and
/// 64-byte compare widths, breaks anywhere (block edges, the overlapping last block), asked from every
/// kind of non-decreasing offset a scan uses.
/// </summary>
public class LineBreakSearchTests
{
    [Fact]
    public void Next_AgreesWithAPlainLoop_OnRandomSpans()
    {
        var random = new Random(20261126);
        for (var round = 0; round < 4000; round++)
        {
            var length = random.Next(0, 200);
            var bytes = new byte[length];
            for (var i = 0; i < length; i++)
            {
                bytes[i] = random.Next(8) switch
                {
                    0 => (byte)'\r',
                    1 => (byte)'\n',
                    _ => (byte)random.Next(0x20, 0x7f),
                };
            }

            var search = new LineBreakSearch(bytes);
            var from = 0;
            while (from <= length)
            {
                var expected = Expected(bytes, from);
                Assert.Equal(expected, search.Next(from));
                from += 1 + random.Next(expected < 0 ? 20 : Math.Max(1, expected - from + 3));
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(47)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(100)]
    [InlineData(128)]
    [InlineData(130)]
    public void Next_FindsEachBreak_InTurn(int length)
    {
        // A break at every position in turn, alone in the span, walked as a scan walks: from 0,
        // then past each hit.
        for (var at = 0; at < length; at++)
        {
            var bytes = new byte[length];
            bytes.AsSpan().Fill((byte)'a');
            bytes[at] = (byte)'\n';
            var search = new LineBreakSearch(bytes);
            Assert.Equal(at, search.Next(0));
            Assert.Equal(at, search.Next(at));
            Assert.Equal(-1, search.Next(at + 1));
        }
    }

    [Fact]
    public void Next_WalksAHeadLineByLine()
    {
        var head = "GET /a HTTP/1.1\r\nHost: example.com\r\nUser-Agent: test/1.0\r\nAccept: */*\r\n\r\n"u8.ToArray();
        var search = new LineBreakSearch(head);
        var ends = new List<int>();
        var from = 0;
        while (search.Next(from) is var hit and >= 0)
        {
            Assert.Equal((byte)'\r', head[hit]);
            ends.Add(hit);
            from = hit + 2; // past the CRLF, as the scanner steps
        }

        var expected = new List<int>();
        for (var i = 0; i < head.Length; i++)
        {
            if (head[i] == '\r')
            {
                expected.Add(i);
            }
        }

        Assert.Equal(expected, ends);
    }

    private static int Expected(byte[] bytes, int from)
    {
        for (var i = from; i < bytes.Length; i++)
        {
            if (bytes[i] is (byte)'\r' or (byte)'\n')
            {
                return i;
            }
        }

        return -1;
    }
}
