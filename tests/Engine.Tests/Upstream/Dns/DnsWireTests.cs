using System.Buffers.Binary;
using Engine.Upstream.Dns;

namespace Engine.Tests.Upstream.Dns;

/// <summary>
/// The DNS messages a TTL probe exchanges: its query, and the shortest TTL of the records that
/// lead to the name's addresses (the CNAME chain and the address records), names compressed or not.
/// </summary>
public sealed class DnsWireTests
{
    [Fact]
    public void Query_IsARecursiveQuestionForTheName()
    {
        var query = DnsWire.Query(0x1234, "api.example.com", DnsWire.TypeA)!;

        Assert.Equal(0x1234, BinaryPrimitives.ReadUInt16BigEndian(query));
        Assert.Equal(0x01, query[2]); // RD
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)));
        Assert.Equal("\u0003api\u0007example\u0003com\0"u8.ToArray(), query[12..29]);
        Assert.Equal(DnsWire.TypeA, BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(29)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(31)));
        Assert.Null(DnsWire.Query(1, new string('a', 64) + ".example", DnsWire.TypeA)); // a label over 63 bytes
    }

    [Fact]
    public void Response_ShortestTtlOfTheChainAndTheAddresses()
    {
        // api.example.com CNAME edge.example.net (TTL 300); edge A 10.0.0.1 (TTL 30), A 10.0.0.2 (TTL 45).
        var response = FakeDnsServer.Answer(7, "api.example.com", DnsWire.TypeA, rcode: 0,
            [(DnsWire.TypeCname, 300u, FakeDnsServer.Name("edge.example.net")), (DnsWire.TypeA, 30u, [10, 0, 0, 1]), (DnsWire.TypeA, 45u, [10, 0, 0, 2])]);

        Assert.True(DnsWire.TryReadResponse(response, 7, DnsWire.TypeA, out var code, out var ttl));
        Assert.Equal(0, code);
        Assert.Equal(TimeSpan.FromSeconds(30), ttl);
    }

    [Fact]
    public void Response_WithoutRecordsOfTheType_HasNoTtl_AndItsCodeSays()
    {
        var nxdomain = FakeDnsServer.Answer(9, "nope.example.com", DnsWire.TypeA, rcode: DnsWire.NameError, []);
        var onlyV6 = FakeDnsServer.Answer(9, "v6.example.com", DnsWire.TypeA, rcode: 0, [(DnsWire.TypeAaaa, 60u, new byte[16])]);

        Assert.True(DnsWire.TryReadResponse(nxdomain, 9, DnsWire.TypeA, out var code, out var ttl));
        Assert.Equal(DnsWire.NameError, code);
        Assert.Null(ttl);
        Assert.True(DnsWire.TryReadResponse(onlyV6, 9, DnsWire.TypeA, out _, out ttl));
        Assert.Null(ttl);
    }

    [Fact]
    public void NotAResponseToTheQuery_IsRefused()
    {
        var response = FakeDnsServer.Answer(5, "api.example.com", DnsWire.TypeA, rcode: 0, [(DnsWire.TypeA, 30u, [10, 0, 0, 1])]);

        Assert.False(DnsWire.TryReadResponse(response, 6, DnsWire.TypeA, out _, out _));           // another id
        Assert.False(DnsWire.TryReadResponse(response[..^3], 5, DnsWire.TypeA, out _, out _));      // cut short
        Assert.False(DnsWire.TryReadResponse(DnsWire.Query(5, "api.example.com", DnsWire.TypeA), 5, DnsWire.TypeA, out _, out _)); // a query
    }
}
