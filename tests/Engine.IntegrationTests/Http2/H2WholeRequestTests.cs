using System.Buffers;
using System.Text;
using Engine.IntegrationTests.Http2.Support;

namespace Engine.IntegrationTests.Http2;

/// <summary>
/// <see cref="Engine.Http2.Client.Http2ClientStream.WriteRequestAsync"/>: a request whose head, body
/// and END_STREAM are queued together reaches a real Kestrel server whole — a body that fits one
/// block held aside, a larger one through the stream's pipe — and the stream is reused cleanly after.
/// </summary>
public sealed class H2WholeRequestTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(40_000)]
    public async Task WholeRequest_IsEchoedWhole_AndTheConnectionCarriesOn(int size)
    {
        await using var kestrel = await KestrelH2Server.StartAsync();
        await using var pool = H2Calls.Pool(kestrel.Endpoint);
        var body = new byte[size];
        new Random(size).NextBytes(body);

        for (var round = 0; round < 3; round++)
        {
            var open = await pool.OpenStreamAsync();
            Assert.True(open.Opened, "no stream: " + open.Outcome);
            using var stream = open.Stream!;
            Assert.True(await stream.WriteRequestAsync(H2Calls.Request("POST", "/echo", "localhost"), new ReadOnlySequence<byte>(body)));
            var response = await H2Calls.ReadResponseAsync(stream);

            Assert.Equal(200, response.Status);
            Assert.True(body.AsSpan().SequenceEqual(response.Body), $"round {round}: {response.Body.Length} of {size} bytes echoed");
        }

        var hello = await H2Calls.SendAsync(pool, H2Calls.Request("GET", "/hello", "localhost"));
        Assert.Equal("hello from kestrel", Encoding.ASCII.GetString(hello.Body));
        Assert.Equal(1, pool.ConnectionsOpened);
    }
}
