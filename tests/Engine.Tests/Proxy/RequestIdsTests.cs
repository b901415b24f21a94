using System.Text;
using System.Text.RegularExpressions;
using Engine.Proxy;

namespace Engine.Tests.Proxy;

public sealed class RequestIdsTests
{
    /// <summary>
    /// Every digit position that is not fixed by the version or variant takes all sixteen digits about
    /// equally often: the digits are the generator's bits, none stuck and none out of range.
    /// </summary>
    [Fact]
    public void NewUuid_EveryFreeDigitIsUniform()
    {
        const int Ids = 16_000;
        var counts = new int[RequestIds.Length, 16];
        var text = new byte[RequestIds.Length];
        for (var i = 0; i < Ids; i++)
        {
            RequestIds.NewUuid(text);
            for (var position = 0; position < RequestIds.Length; position++)
            {
                var c = text[position];
                if (c != '-')
                {
                    counts[position, c <= '9' ? c - '0' : c - 'a' + 10]++;
                }
            }
        }

        for (var position = 0; position < RequestIds.Length; position++)
        {
            if (position is 8 or 13 or 18 or 23 or 14 or 19)
            {
                continue;
            }

            for (var digit = 0; digit < 16; digit++)
            {
                // Expected 1,000 each; 800-1,200 is more than six standard deviations either way.
                Assert.InRange(counts[position, digit], 800, 1200);
            }
        }

        // The variant digit is 8, 9, a or b, each about a quarter of the time.
        foreach (var digit in new[] { 8, 9, 10, 11 })
        {
            Assert.InRange(counts[19, digit], 3400, 4600);
        }
    }

    [Fact]
    public void NewUuid_IsVersion4WithTheRfcVariant_AndDiffersEachTime()
    {
        var seen = new HashSet<string>();
        var text = new byte[RequestIds.Length];
        for (var i = 0; i < 1000; i++)
        {
            RequestIds.NewUuid(text);
            var id = Encoding.ASCII.GetString(text);
            Assert.Matches(new Regex("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"), id);
            Assert.True(seen.Add(id), "repeated id " + id);
        }
    }
}
