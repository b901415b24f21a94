using System.Net;
using System.Net.Sockets;
using System.Text;
using Engine.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Engine.Tests.Transport;

/// <summary>The epoll transport with real loopback sockets: bytes, ends and failures.</summary>
public sealed class EpollTransportTests
{
    [Fact]
    public async Task Echo_ClientFactoryToListener_RoundTrips()
    {
        await using var harness = await EpollHarness.StartAsync(EpollHarness.Echo);
        var client = await harness.ConnectAsync();

        await client.Transport.Output.WriteAsync("hello, epoll"u8.ToArray());
        var echoed = await client.Transport.Input.ReadExactlyAsync(12);

        Assert.Equal("hello, epoll", Encoding.ASCII.GetString(echoed));
        await client.Transport.Output.CompleteAsync();
        Assert.Empty(await client.Transport.Input.ReadToEndAsync()); // the server completed after our FIN
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Connections_OfferTheTransportsPinnedPool_ForWhatTheirOwnersBuffer()
    {
        // HTTP/2 stream pipes take their memory from this feature; without it they fall back to
        // the shared array pool (~62 KB of garbage per 64 KiB h2c answer).
        await using var harness = await EpollHarness.StartAsync(EpollHarness.Echo);
        var client = await harness.ConnectAsync();

        var feature = client.Features.Get<IMemoryPoolFeature>();

        Assert.NotNull(feature);
        Assert.Same(harness.Transport.Pool, feature.MemoryPool);
        await client.DisposeAsync();
    }

    [Fact]
    public void OneReadBurst_HoldsA64KiBAnswerWithItsHead()
    {
        // A 64 KiB body with its head is just over 64 KiB: read in one burst (three reads of
        // 32 KiB blocks), it is flushed once and forwarded in one sendmsg. Stopping the burst at
        // 64 KiB left the last few hundred bytes to a second flush and a second send per answer.
        var transport = new Engine.Transport.Epoll.EpollTransport(EpollHarness.Settings(), new PinnedBlockMemoryPool(32 * 1024, 4));

        Assert.True(transport.MaxBytesPerFlush >= 64 * 1024 + 8 * 1024, $"a burst stops at {transport.MaxBytesPerFlush} bytes");
        Assert.True(transport.MaxBytesPerFlush < 256 * 1024, "a burst must stay under the input's pause threshold");
    }

    [Fact]
    public async Task Echo_ManyWritesAndReads_KeepOrder()
    {
        await using var harness = await EpollHarness.StartAsync(EpollHarness.Echo);
        using var client = await harness.ConnectSocketAsync();
        var sent = new List<byte>();
        for (var i = 0; i < 200; i++)
        {
            var message = Encoding.ASCII.GetBytes($"message {i};");
            await client.SendAsync(message, SocketFlags.None);
            sent.AddRange(message);
            Assert.Equal(message, await client.ReceiveExactlyAsync(message.Length));
        }

        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReceiveToEndAsync());
    }

    [Fact]
    public async Task PeerHalfClose_InputCompletes_AndTheAnswerStillGoesOut()
    {
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            var request = await connection.Transport.Input.ReadToEndAsync(); // ends at the peer's FIN
            await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes($"got {request.Length} bytes"));
            await connection.Transport.Output.CompleteAsync();
        });
        using var client = await harness.ConnectSocketAsync();

        await client.SendAsync(new byte[1000], SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("got 1000 bytes", Encoding.ASCII.GetString(await client.ReceiveToEndAsync()));
    }

    [Fact]
    public async Task OwnerCompletesOutput_PeerSeesFin_AndCanStillSend()
    {
        var afterFin = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            await connection.Transport.Output.WriteAsync("bye"u8.ToArray());
            await connection.Transport.Output.CompleteAsync(); // FIN: shutdown(SHUT_WR), reading goes on
            afterFin.SetResult(Encoding.ASCII.GetString(await connection.Transport.Input.ReadToEndAsync()));
        });
        using var client = await harness.ConnectSocketAsync();

        Assert.Equal("bye", Encoding.ASCII.GetString(await client.ReceiveToEndAsync()));
        await client.SendAsync("still here"u8.ToArray(), SocketFlags.None);
        client.Shutdown(SocketShutdown.Send);

        Assert.Equal("still here", await afterFin.Task);
    }

    [Fact]
    public async Task PeerReset_InputFailsWithReset_AndConnectionClosedFires()
    {
        var outcome = new TaskCompletionSource<(Exception? Error, bool Closed)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var registration = connection.ConnectionClosed.Register(() => closed.TrySetResult());
            accepted.SetResult();
            try
            {
                await connection.Transport.Input.ReadToEndAsync();
                outcome.SetResult((null, false));
            }
            catch (Exception e)
            {
                await closed.Task;
                outcome.SetResult((e, connection.ConnectionClosed.IsCancellationRequested));
            }
        });
        var client = await harness.ConnectSocketAsync();
        await accepted.Task;

        client.LingerState = new LingerOption(true, 0);
        client.Dispose(); // RST

        var (error, closedFired) = await outcome.Task;
        Assert.IsType<ConnectionResetException>(error);
        Assert.True(closedFired);
    }

    [Fact]
    public async Task PeerFin_FiresConnectionClosed()
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            using var registration = connection.ConnectionClosed.Register(() => closed.TrySetResult());
            await connection.Transport.Input.ReadToEndAsync();
            await closed.Task;
        });
        using var client = await harness.ConnectSocketAsync();

        client.Shutdown(SocketShutdown.Send);

        await closed.Task;
    }

    [Fact]
    public async Task AbortWithLingerZero_PeerSeesReset_NotEndOfStream()
    {
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            await connection.Transport.Input.ReadExactlyAsync(5);
            await connection.Transport.Output.WriteAsync("partial"u8.ToArray());

            // What the proxy does after a truncated response (Http1ProxySession.AbortDownstream).
            connection.Features.Get<IConnectionSocketFeature>()!.Socket.LingerState = new LingerOption(true, 0);
            connection.Abort(new ConnectionAbortedException("truncated"));
        });
        using var client = await harness.ConnectSocketAsync();
        await client.SendAsync("start"u8.ToArray(), SocketFlags.None);

        var error = await Assert.ThrowsAsync<SocketException>(async () => await client.ReceiveToEndAsync());

        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    [Fact]
    public async Task Abort_PendingReadOfTheOwnerFails_WithTheAbortReason()
    {
        await using var harness = await EpollHarness.StartAsync(EpollHarness.Echo);
        var client = await harness.ConnectAsync();
        var pending = client.Transport.Input.ReadAsync().AsTask();

        client.Abort(new ConnectionAbortedException("timeout"));

        var error = await Assert.ThrowsAsync<ConnectionAbortedException>(() => pending);
        Assert.Equal("timeout", error.Message);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task GracefulClose_AllBytesThenFin()
    {
        var body = PipeReading.Pattern(3 * 1024 * 1024 + 17);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            await connection.Transport.Output.WriteAsync(body);
            await connection.Transport.Output.CompleteAsync();
        });
        using var client = await harness.ConnectSocketAsync();

        Assert.Equal(body, await client.ReceiveToEndAsync());
    }

    [Fact]
    public async Task LargeTransfer_BothWaysAtOnce_ArrivesIntact_WithBoundedMemory()
    {
        const int Size = 24 * 1024 * 1024;
        const long MaxBuffered = 256 * 1024;
        var pool = new CountingPool(32 * 1024);
        await using var harness = await EpollHarness.StartAsync(EpollHarness.Echo, EpollHarness.Settings(maxRead: MaxBuffered, maxWrite: MaxBuffered), pool);
        var client = await harness.ConnectAsync();
        var data = PipeReading.Pattern(Size, seed: 7);

        var send = Task.Run(async () =>
        {
            // In pieces, flushing each: the pipes' pause thresholds throttle the sender.
            for (var offset = 0; offset < Size; offset += 100_000)
            {
                await client.Transport.Output.WriteAsync(data.AsMemory(offset, Math.Min(100_000, Size - offset)));
            }

            await client.Transport.Output.CompleteAsync();
        });
        // Consume as it arrives (a reader that keeps everything unconsumed tells the pipe it
        // needs more, and the pipe lets the writer go on: that is not back-pressure).
        var received = 0;
        var intact = true;
        while (true)
        {
            var read = await client.Transport.Input.ReadAsync();
            foreach (var segment in read.Buffer)
            {
                intact &= data.AsSpan(received, segment.Length).SequenceEqual(segment.Span);
                received += segment.Length;
            }

            client.Transport.Input.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                break;
            }
        }

        await send;
        Assert.Equal(Size, received);
        Assert.True(intact);

        // Four pipes (two per connection) each stop growing at the pause threshold plus what one
        // read burst or one write adds; far below the 24 MiB that went through.
        var bound = 4 * ((2 * MaxBuffered) + 200_000) / (32 * 1024);
        Assert.InRange(pool.Peak, 1, bound);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task SlowReader_SenderIsHeldBack_AndNothingIsLost()
    {
        const long MaxBuffered = 128 * 1024;
        var pool = new CountingPool(32 * 1024);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            await release.Task; // reads nothing until the client has filled every buffer on the way
            received.SetResult(await connection.Transport.Input.ReadToEndAsync());
        }, EpollHarness.Settings(maxRead: MaxBuffered), pool);
        using var client = await harness.ConnectSocketAsync();
        client.Blocking = false;
        var data = PipeReading.Pattern(64 * 1024 * 1024, seed: 3);

        // Send until the kernel refuses: the server's input pipe paused at its threshold, so its
        // socket buffers filled and then ours.
        var sent = 0;
        for (var attempts = 0; attempts < 100_000 && sent < data.Length; attempts++)
        {
            var n = client.Send(data, sent, Math.Min(64 * 1024, data.Length - sent), SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                break;
            }

            Assert.Equal(SocketError.Success, error);
            sent += n;
        }

        Assert.InRange(sent, 1, data.Length - 1); // held back, not absorbed
        Assert.InRange(pool.Outstanding * 32L * 1024, 0, MaxBuffered + (4 * 32 * 1024) + (32 * 1024));

        release.SetResult();
        client.Blocking = true;
        client.Shutdown(SocketShutdown.Send);
        var got = await received.Task;
        Assert.True(data.AsSpan(0, sent).SequenceEqual(got));
    }

    [Fact]
    public async Task PeerNotReading_FlushWaits_AtTheWriteThreshold()
    {
        // Small blocks and a write threshold far below the read one: a transport that paused its
        // output at the read threshold (or not at all) would hold 4x more before a flush waited.
        const int Block = 4 * 1024;
        const int Chunk = 16 * 1024;
        const long MaxWrite = 64 * 1024;
        var pool = new CountingPool(Block);
        var data = PipeReading.Pattern(64 * 1024 * 1024, seed: 5);
        var held = new TaskCompletionSource<(int Written, int Outstanding)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            var output = connection.Transport.Output;
            var written = 0;
            while (written < data.Length)
            {
                var flush = output.WriteAsync(data.AsMemory(written, Chunk));
                written += Chunk;
                if (!flush.IsCompleted)
                {
                    // The socket took what it could (the kernel's buffers are full) and at least
                    // MaxWrite / 2 is still unsent: the owner is held here.
                    held.TrySetResult((written, pool.Outstanding));
                    await flush;
                    break;
                }
            }

            held.TrySetResult((written, pool.Outstanding)); // never held: the assertion below fails
            await output.CompleteAsync();
        }, EpollHarness.Settings(maxRead: 1024 * 1024, maxWrite: MaxWrite, blockSize: Block), pool);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await client.ConnectAsync(harness.EndPoint);

        var (written, outstanding) = await held.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.InRange(written, 1, data.Length - 1); // held back before everything was written
        // Unsent output is below the threshold plus the chunk that crossed it; add a partly sent
        // block and the one block the input pipe may hold (the client sends nothing).
        Assert.InRange(outstanding * (long)Block, 0, MaxWrite + Chunk + (2 * Block));
        var got = await client.ReceiveToEndAsync();
        Assert.Equal(written, got.Length);
        Assert.True(data.AsSpan(0, written).SequenceEqual(got));
    }

    [Fact]
    public async Task ManyConnections_EachEchoesItsOwnBytes()
    {
        await using var harness = await EpollHarness.StartAsync(EpollHarness.Echo);
        var clients = Enumerable.Range(0, 200).Select(async i =>
        {
            var connection = await harness.ConnectAsync();
            var message = PipeReading.Pattern(1000 + i, seed: i);
            await connection.Transport.Output.WriteAsync(message);
            var echoed = await connection.Transport.Input.ReadExactlyAsync(message.Length);
            await connection.Transport.Output.CompleteAsync();
            await connection.Transport.Input.ReadToEndAsync();
            await connection.DisposeAsync();
            return message.AsSpan().SequenceEqual(echoed);
        });

        Assert.All(await Task.WhenAll(clients), Assert.True);
    }

    [Fact]
    public async Task Connect_NobodyListening_IsRefused()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port; // bound, never listening: refuses
            var factory = SocketTransports.CreateUpstreamFactory(EpollHarness.Settings());

            var result = await factory.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), default, TimeSpan.FromSeconds(10), CancellationToken.None);

            Assert.Equal(ClientConnectStatus.Refused, result.Status);
            Assert.Null(result.Connection);
        }
    }

    [Fact]
    public async Task Connect_BacklogFull_TimesOut()
    {
        // A listener that never accepts, with room for one queued connection: once the queue is
        // full the kernel drops further SYNs, so a connect hangs until our timeout.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var target = (IPEndPoint)listener.LocalEndPoint!;
        var factory = SocketTransports.CreateUpstreamFactory(EpollHarness.Settings());
        var fillers = new List<ConnectionContext>();
        try
        {
            ClientConnectResult result = default;
            for (var i = 0; i < 8; i++)
            {
                result = await factory.ConnectAsync(target, default, TimeSpan.FromMilliseconds(300), CancellationToken.None);
                if (result.Status != ClientConnectStatus.Connected)
                {
                    break;
                }

                fillers.Add(result.Connection!);
            }

            Assert.Equal(ClientConnectStatus.TimedOut, result.Status);
        }
        finally
        {
            foreach (var filler in fillers)
            {
                await filler.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Connect_Canceled_ReportsCanceled()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var target = (IPEndPoint)listener.LocalEndPoint!;
        var factory = SocketTransports.CreateUpstreamFactory(EpollHarness.Settings());
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(target); // fills the queue
        using var cancel = new CancellationTokenSource();

        var pending = factory.ConnectAsync(target, default, TimeSpan.FromMinutes(5), cancel.Token);
        await cancel.CancelAsync();
        var result = await pending;

        Assert.Equal(ClientConnectStatus.Canceled, result.Status);
    }

    [Fact]
    public async Task Accepted_ExposesSocket_Endpoints_AndNoDelay()
    {
        var seen = new TaskCompletionSource<(bool NoDelay, EndPoint? Local, EndPoint? Remote, EndPoint? SocketLocal)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            var socket = connection.Features.Get<IConnectionSocketFeature>()!.Socket;
            seen.SetResult((socket.NoDelay, connection.LocalEndPoint, connection.RemoteEndPoint, socket.LocalEndPoint));
            await connection.Transport.Input.ReadToEndAsync();
        });
        using var client = await harness.ConnectSocketAsync();

        var (noDelay, local, remote, socketLocal) = await seen.Task;
        client.Shutdown(SocketShutdown.Send);

        Assert.True(noDelay); // inherited from the listening socket: no setsockopt per connection
        Assert.Equal(harness.EndPoint, local);
        Assert.Equal(client.LocalEndPoint, remote);
        Assert.Equal(local, socketLocal);
    }

    [Fact]
    public async Task DualModeListener_TakesIPv4Clients_AsMappedAddresses()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return; // no IPv6 on this machine: nothing to test
        }

        var remote = new TaskCompletionSource<EndPoint?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var harness = await EpollHarness.StartAsync(async connection =>
        {
            remote.SetResult(connection.RemoteEndPoint);
            await EpollHarness.Echo(connection);
        }, bind: new IPEndPoint(IPAddress.IPv6Any, 0));
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, harness.EndPoint.Port));

        await client.SendAsync("v4"u8.ToArray(), SocketFlags.None);
        Assert.Equal("v4"u8.ToArray(), await client.ReceiveExactlyAsync(2));
        client.Shutdown(SocketShutdown.Send);

        var address = Assert.IsType<IPEndPoint>(await remote.Task).Address;
        Assert.True(address.IsIPv4MappedToIPv6);
        Assert.Equal(IPAddress.Loopback, address.MapToIPv4());
    }

    [Fact]
    public async Task IPv6Loopback_ListenAndConnect()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return;
        }

        await using var harness = await EpollHarness.StartAsync(EpollHarness.Echo, bind: new IPEndPoint(IPAddress.IPv6Loopback, 0));
        var client = await harness.ConnectAsync();

        await client.Transport.Output.WriteAsync("v6"u8.ToArray());

        Assert.Equal("v6"u8.ToArray(), await client.Transport.Input.ReadExactlyAsync(2));
        Assert.Equal(IPAddress.IPv6Loopback, ((IPEndPoint)client.RemoteEndPoint!).Address);
        await client.Transport.Output.CompleteAsync();
        await client.Transport.Input.ReadToEndAsync();
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Bind_PortInUse_ThrowsAddressInUse()
    {
        await using var harness = await EpollHarness.StartAsync(EpollHarness.Echo);
        var factory = SocketTransports.CreateListenerFactory(EpollHarness.Settings());

        await Assert.ThrowsAsync<AddressInUseException>(async () => await factory.BindAsync(harness.EndPoint));
    }
}
