using System.Text;
using Engine.Protocols.Hpack;
using Engine.Protocols.Http;

namespace Engine.Protocols.Tests.Hpack;

/// <summary>
/// The encoder's look-ups (<c>Find</c>, <c>FindName</c>) answer what a walk over the entries would,
/// whichever shortcut answers them (a known header's newest entry, a static name's, a name's hash slot): checked
/// against a brute-force walk over random inserts, evictions and size changes.
/// </summary>
public sealed class HpackDynamicTableTests
{
    // Names that share a hash slot (same length, first and last byte) sit beside ones that do not.
    private static readonly string[] Names =
    [
        ":authority", ":path", "user-agent", "accept", "x-served-by", "x-served-ny", "x-sErved-by",
        "grpc-status", "grpc-xtatus", "content-type", "server", "date", "x-a", "x-b", "x-c", "traceparent",
    ];

    private static readonly string[] Values = ["", "1", "2", "/", "/small", "nginx", "application/grpc", new('v', 300)];

    private static KnownHeader KnownOf(string name) => name switch
    {
        "content-type" => KnownHeader.ContentType,
        "server" => KnownHeader.Server,
        "date" => KnownHeader.Date,
        _ => KnownHeader.None,
    };

    [Fact]
    public void LookUps_AgreeWithAWalk()
    {
        var random = new Random(2611);
        var table = new HpackDynamicTable(1024);
        for (var step = 0; step < 20_000; step++)
        {
            if (random.Next(50) == 0)
            {
                table.SetMaxSize(random.Next(0, 1025));
            }
            else if (random.Next(4) != 0)
            {
                var name = Names[random.Next(Names.Length)].ToLowerInvariant();
                var nameBytes = Encoding.ASCII.GetBytes(name);
                table.Add(nameBytes, Encoding.ASCII.GetBytes(Values[random.Next(Values.Length)]), KnownOf(name), HpackStaticTable.FindName(nameBytes));
            }

            var queryName = Names[random.Next(Names.Length)];
            var queryValue = Values[random.Next(Values.Length)];
            var (expected, expectedName) = Walk(table, queryName, queryValue);

            var queryBytes = Encoding.ASCII.GetBytes(queryName);
            var found = table.Find(queryBytes, Encoding.ASCII.GetBytes(queryValue), KnownOf(queryName.ToLowerInvariant()), HpackStaticTable.FindName(queryBytes), out var namePosition);
            Assert.Equal(expected, found);
            if (found < 0)
            {
                Assert.Equal(expectedName, namePosition); // the name alone is what a literal references
            }

            Assert.Equal(expectedName, table.FindName(Encoding.ASCII.GetBytes(queryName), KnownOf(queryName.ToLowerInvariant())));
        }
    }

    /// <summary>The newest entry with the name and value, and the newest with the name alone (ASCII case ignored).</summary>
    private static (int Position, int NamePosition) Walk(HpackDynamicTable table, string name, string value)
    {
        var named = -1;
        for (var position = 0; position < table.Count; position++)
        {
            table.GetEntry(position, out var entryName, out var entryValue);
            if (!string.Equals(Encoding.ASCII.GetString(entryName), name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (named < 0)
            {
                named = position;
            }

            if (entryValue.SequenceEqual(Encoding.ASCII.GetBytes(value)))
            {
                return (position, named);
            }
        }

        return (-1, named);
    }
}
