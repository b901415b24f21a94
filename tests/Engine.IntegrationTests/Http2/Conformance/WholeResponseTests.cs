using System.Buffers;
using Engine.Http2;
using Engine.IntegrationTests.Http2.Support;
using Engine.IntegrationTests.Infrastructure;
using Engine.Protocols.Http2;
using static Engine.IntegrationTests.Http2.Support.RawH2Client;

namespace Engine.IntegrationTests.Http2.Conformance;

/// <summary>
/// An answer handed over whole (head and body at once, as the proxy does with a response it read
/// whole) waits in one pooled block instead of the stream's pipe. It must still obey flow control
/// (§6.9) piece by piece, survive a reset while it waits for credit, and leave the stream object
/// clean for the answers after it, whole or streamed, small or larger than a block, or a head alone.
/// </summary>
public sealed class WholeResponseTests(ConformanceServer server) : IClassFixture<ConformanceServer>
{
    [Fact]
    public async Task WholeAnswer_SentWithinTheStreamWindow_PieceByPiece_InOrder()
    {
        await using var client = await HandshakeAsync(server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 100));
        await client.SendRequestAsync(1, path: "/whole/1000");
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);

        await H2Assert.AliveAsync(client, 1);
        Assert.Equal(100, DataOf(client, 1).Length);

        // More credit, more data: up to the new window and no further (a PING answered after it).
        await client.SendWindowUpdateAsync(1, 300);
        await client.ReadUntilAsync(_ => DataOf(client, 1).Length >= 400);
        await H2Assert.AliveAsync(client, 2);
        Assert.Equal(400, DataOf(client, 1).Length);

        await client.SendWindowUpdateAsync(1, 600);
        await client.ReadUntilAsync(f => f.StreamId == 1 && f.EndStream);
        Assert.Equal(ConformanceServer.WholeBody(1000), DataOf(client, 1));
    }

    [Fact]
    public async Task WholeAndStreamedAnswers_InTurnOnOneConnection_EachArrivesWhole()
    {
        await using var client = await HandshakeAsync(server.Endpoint);
        var streamId = 1;
        for (var round = 0; round < 4; round++)
        {
            // Small whole (one block), head only (no body: no pipe either), streamed, whole but
            // larger than a pool block (the pipe takes it).
            foreach (var (path, expected) in new[]
            {
                ($"/whole/{100 + (round * 3001)}", ConformanceServer.WholeBody(100 + (round * 3001))),
                ("/bytes/0", []),
                ("/bytes/5000", new byte[5000]),
                ("/bytes/0", []),
                ("/whole/40000", ConformanceServer.WholeBody(40_000)),
            })
            {
                await client.SendRequestAsync(streamId, path: path);
                var (head, body, reset) = await client.ReadResponseAsync(streamId);
                Assert.Null(reset);
                Assert.Equal(200, head?.StatusCode);
                Assert.True(expected.AsSpan().SequenceEqual(body), $"{path} on stream {streamId}: {body.Length} bytes, not the {expected.Length} sent");
                streamId += 2;

                // The connection's window is only ever spent here: give it back so later answers flow.
                await client.SendWindowUpdateAsync(0, body.Length + 1);
            }
        }
    }

    [Fact]
    public async Task WholeAnswer_ResetWhileWaitingForCredit_TheNextAnswersAreWhole()
    {
        await using var client = await HandshakeAsync(server.Endpoint, new Http2Setting(Http2SettingsParameter.InitialWindowSize, 0));
        await client.SendRequestAsync(1, path: "/whole/1000");
        await client.ReadUntilAsync(f => f.Type == Http2FrameType.Headers && f.StreamId == 1);
        await client.SendRstAsync(1);

        await client.SendAsync(Frames(w => Http2FrameWriter.WriteSettings(w, [new Http2Setting(Http2SettingsParameter.InitialWindowSize, 65_535)])));
        for (var streamId = 3; streamId <= 9; streamId += 2)
        {
            var size = 500 * streamId;
            await client.SendRequestAsync(streamId, path: $"/whole/{size}");
            var (_, body, reset) = await client.ReadResponseAsync(streamId);
            Assert.Null(reset);
            Assert.Equal(ConformanceServer.WholeBody(size), body);
        }

        Assert.Empty(DataOf(client, 1));
    }

    [Fact]
    public async Task WholeAnswers_GiveTheirBlocksBack()
    {
        var pool = new LeaseCountingPool();
        await using var counted = await H2TestServer.StartAsync(ConformanceServer.HandleAsync, new Http2SessionOptions { MemoryPool = pool });
        await using var client = await HandshakeAsync(counted.Endpoint);
        for (var streamId = 1; streamId < 400; streamId += 2)
        {
            await client.SendRequestAsync(streamId, path: "/whole/3000");
            var (_, body, _) = await client.ReadResponseAsync(streamId);
            Assert.Equal(3000, body.Length);
            await client.SendWindowUpdateAsync(0, body.Length);
        }

        // Each answer's block goes back when its stream is released (just after its last frame):
        // what stays leased is what the connection's pipes hold, a handful, not one per answer.
        await WaitFor.ConditionAsync(() => pool.Outstanding < 8, because: $"{pool.Outstanding} blocks still leased after 200 whole answers");
    }

    private static byte[] DataOf(RawH2Client client, int streamId)
        => [.. client.Received.Where(f => f.Type == Http2FrameType.Data && f.StreamId == streamId).SelectMany(f => f.Payload)];

    /// <summary>Blocks of 32 KiB, counted out and back.</summary>
    private sealed class LeaseCountingPool : MemoryPool<byte>
    {
        private int _outstanding;

        public int Outstanding => Volatile.Read(ref _outstanding);

        public override int MaxBufferSize => 32 * 1024;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            Interlocked.Increment(ref _outstanding);
            return new Lease(this, new byte[Math.Max(minBufferSize, MaxBufferSize)]);
        }

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Lease(LeaseCountingPool pool, byte[] array) : IMemoryOwner<byte>
        {
            private int _returned;

            public Memory<byte> Memory { get; } = array;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _returned, 1) == 0)
                {
                    Interlocked.Decrement(ref pool._outstanding);
                }
            }
        }
    }
}
