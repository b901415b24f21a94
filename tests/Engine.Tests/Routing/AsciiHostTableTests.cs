using System.Text;
using Engine.Routing;

namespace Engine.Tests.Routing;

/// <summary>
/// The byte-keyed host table must find exactly what a dictionary with
/// <see cref="StringComparer.OrdinalIgnoreCase"/> finds for the host decoded as Latin-1 (what the
/// route table did before it), and step aside where it cannot promise that.
/// </summary>
public sealed class AsciiHostTableTests
{
    private sealed class Value(string key)
    {
        public string Key { get; } = key;
    }

    [Fact]
    public void EveryByte_AfterAPrefix_MatchesLikeOrdinalIgnoreCase()
    {
        // Keys "h" + each ASCII char but A–Z (their lowercase twins are there); hosts "H" or "h" +
        // each byte 0..255.
        var keys = Enumerable.Range(0, 128).Where(c => c is < 'A' or > 'Z').Select(c => "h" + (char)c).ToArray();
        var table = AsciiHostTable<Value>.TryCreate(keys.Select(k => KeyValuePair.Create(k, new Value(k))))!;
        var reference = keys.ToDictionary(k => k, k => k, StringComparer.OrdinalIgnoreCase);

        foreach (var prefix in new[] { (byte)'h', (byte)'H' })
        {
            for (var b = 0; b < 256; b++)
            {
                byte[] host = [prefix, (byte)b];
                var expected = reference.TryGetValue(Encoding.Latin1.GetString(host), out var key) ? key : null;
                if (!table.TryFind(host, out var found))
                {
                    Assert.True(b >= 0x80, $"byte {b:x2}: an ASCII host was refused");
                    Assert.Null(expected); // and no ASCII key could have matched it
                    continue;
                }

                Assert.Equal(expected, found?.Key);
            }
        }
    }

    [Fact]
    public void RandomNames_InAnyCase_FoundWithTheirOwnValue_OthersNot()
    {
        var random = new Random(11);
        var names = Enumerable.Range(0, 500).Select(_ => RandomName(random)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var table = AsciiHostTable<Value>.TryCreate(names.Select(n => KeyValuePair.Create(n, new Value(n))))!;
        var reference = names.ToHashSet(StringComparer.OrdinalIgnoreCase);

        foreach (var name in names)
        {
            var mixed = new string(name.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : c).ToArray());
            Assert.True(table.TryFind(Encoding.ASCII.GetBytes(mixed), out var found));
            Assert.Equal(name, found?.Key);
        }

        for (var i = 0; i < 2_000; i++)
        {
            var other = RandomName(random);
            Assert.True(table.TryFind(Encoding.ASCII.GetBytes(other), out var found));
            Assert.Equal(reference.Contains(other), found is not null);
        }
    }

    [Fact]
    public void NonAsciiKey_NoTable_NonAsciiHost_Refused()
    {
        Assert.Null(AsciiHostTable<Value>.TryCreate([KeyValuePair.Create("café.example", new Value("x"))]));

        var table = AsciiHostTable<Value>.TryCreate([KeyValuePair.Create("cafe.example", new Value("x"))])!;
        Assert.False(table.TryFind(Encoding.Latin1.GetBytes("café.example"), out _));
        Assert.True(table.TryFind(""u8, out var empty));
        Assert.Null(empty);
    }

    [Fact]
    public void EmptyTable_FindsNothing()
    {
        var table = AsciiHostTable<Value>.TryCreate([])!;
        Assert.True(table.TryFind("reviews"u8, out var found));
        Assert.Null(found);
    }

    private static string RandomName(Random random)
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-.";
        return new string(Enumerable.Range(0, random.Next(1, 24)).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
    }
}
