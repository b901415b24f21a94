using Engine.Proxy;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging.Abstractions;

namespace Engine.Tests.Proxy;

/// <summary>
/// Idle HTTP/2 stream objects outlive the connection that made them: the next connection takes
/// them, moved to itself, and the pool keeps no more than its capacity.
/// </summary>
public sealed class Http2ProxyStreamPoolTests
{
    [Fact]
    public async Task IdleStreamObjects_OfAnEndedConnection_ServeTheNextConnection()
    {
        await using var server = new ProxyServer(new ProxyOptions(), RuntimeConfig.Empty, NullLoggerFactory.Instance);
        var ended = new DefaultConnectionContext("ended");
        var next = new DefaultConnectionContext("next");
        var made = new[] { new Http2ProxyStream(server, ended), new Http2ProxyStream(server, ended) };
        var idle = new Stack<Http2ProxyStream>(made);

        server.Http2Streams.ReturnAll(idle);
        var first = server.Http2Streams.Rent(next, intercepted: null);
        var second = server.Http2Streams.Rent(next, intercepted: null);
        var none = server.Http2Streams.Rent(next, intercepted: null);

        Assert.Empty(idle);
        Assert.Equal(made.OrderBy(s => s.GetHashCode()), new[] { first!, second! }.OrderBy(s => s.GetHashCode()));
        Assert.Same(next, first!.Connection);
        Assert.Same(next, second!.Connection);
        Assert.Null(none);
    }

    [Fact]
    public async Task ThePool_KeepsAtMostItsCapacity()
    {
        await using var server = new ProxyServer(new ProxyOptions(), RuntimeConfig.Empty, NullLoggerFactory.Instance);
        var connection = new DefaultConnectionContext("ended");
        var idle = new Stack<Http2ProxyStream>(Enumerable.Range(0, Http2ProxyStreamPool.Capacity + 40).Select(_ => new Http2ProxyStream(server, connection)));

        server.Http2Streams.ReturnAll(idle);

        Assert.Equal(Http2ProxyStreamPool.Capacity, server.Http2Streams.Count);
        Assert.Empty(idle);
    }
}
