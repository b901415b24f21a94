using System.Text;
using Engine.Protocols.Hpack;

namespace Engine.Protocols.Tests.Hpack;

/// <summary>The hashed name look-up against a plain scan of RFC 7541 Appendix A.</summary>
public sealed class HpackStaticTableTests
{
    private static int ScanForName(ReadOnlySpan<byte> name)
    {
        for (var index = 1; index <= HpackStaticTable.Count; index++)
        {
            if (Ascii.EqualsIgnoreCase(name, HpackStaticTable.NameAt(index)))
            {
                return index;
            }
        }

        return 0;
    }

    [Fact]
    public void EveryName_InAnyCase_FindsTheFirstIndexWithIt()
    {
        var random = new Random(7);
        for (var index = 1; index <= HpackStaticTable.Count; index++)
        {
            var name = HpackStaticTable.NameAt(index).ToArray();
            for (var variant = 0; variant < 8; variant++)
            {
                var cased = name.Select(b => random.Next(2) == 0 ? (byte)char.ToUpperInvariant((char)b) : b).ToArray();
                Assert.Equal(ScanForName(cased), HpackStaticTable.FindName(cased));
            }
        }

        Assert.Equal(2, HpackStaticTable.FindName(":METHOD"u8)); // :method GET and POST share the name: the first
        Assert.Equal(8, HpackStaticTable.FindName(":status"u8));
    }

    [Fact]
    public void OtherNames_FindNothing_LikeTheScan()
    {
        var random = new Random(11);
        string[] near = ["dat", "datee", "xdate", "hosT2", "content-lengtx", "x-request-id", "", ":", "-", "www-authenticatE-"];
        foreach (var name in near)
        {
            Assert.Equal(ScanForName(Encoding.ASCII.GetBytes(name)), HpackStaticTable.FindName(Encoding.ASCII.GetBytes(name)));
        }

        // Every static name with one byte changed: same first, last and length often, so same bucket.
        for (var index = 1; index <= HpackStaticTable.Count; index++)
        {
            var name = HpackStaticTable.NameAt(index).ToArray();
            for (var trial = 0; trial < 20; trial++)
            {
                var changed = (byte[])name.Clone();
                changed[random.Next(changed.Length)] = (byte)random.Next(256);
                Assert.Equal(ScanForName(changed), HpackStaticTable.FindName(changed));
            }
        }
    }

    /// <summary>FindField against a scan of every entry, for every name with its table values, an empty value and another.</summary>
    [Fact]
    public void FindField_AgreesWithAScanOfEveryEntry()
    {
        for (var index = 1; index <= HpackStaticTable.Count; index++)
        {
            var name = HpackStaticTable.NameAt(index);
            byte[][] values = [HpackStaticTable.ValueAt(index).ToArray(), [], "gzip"u8.ToArray(), "200"u8.ToArray()];
            foreach (var value in values)
            {
                var expected = 0;
                for (var candidate = 1; candidate <= HpackStaticTable.Count && expected == 0; candidate++)
                {
                    if (HpackStaticTable.NameAt(candidate).SequenceEqual(name) && HpackStaticTable.ValueAt(candidate).SequenceEqual(value))
                    {
                        expected = candidate;
                    }
                }

                Assert.Equal(expected, HpackStaticTable.FindField(HpackStaticTable.FindName(name), value));
            }
        }
    }

    /// <summary>The shortcut for identified headers gives what the name look-up gives, for every KnownHeader.</summary>
    [Fact]
    public void NameIndexOf_EveryKnownHeader_AgreesWithTheLookUpOfItsName()
    {
        foreach (var known in Enum.GetValues<Engine.Protocols.Http.KnownHeader>())
        {
            if (known == Engine.Protocols.Http.KnownHeader.None)
            {
                Assert.Equal(-1, HpackStaticTable.NameIndexOf(known));
                continue;
            }

            var name = Encoding.ASCII.GetBytes(LowerCaseName(known));
            Assert.True(Engine.Protocols.Http1.KnownHeaders.Identify(name) == known, $"{known} is not the header named {LowerCaseName(known)}");
            Assert.Equal(HpackStaticTable.FindName(name), HpackStaticTable.NameIndexOf(known));
        }
    }

    // "ContentLength" -> "content-length", "XEnvoyAttemptCount" -> "x-envoy-attempt-count", "Te" -> "te".
    private static string LowerCaseName(Engine.Protocols.Http.KnownHeader known)
        => string.Concat(known.ToString().Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
