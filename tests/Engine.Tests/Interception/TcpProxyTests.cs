using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Engine.Interception;

namespace Engine.Tests.Interception;

/// <summary>
/// The L4 pump over real loopback sockets: app ⇄ [client side | TcpProxy | upstream side] ⇄ server.
/// Every wait is bounded by a generous deadline that only a broken proxy reaches.
/// </summary>
public sealed class TcpProxyTests
{
    [Fact]
    public async Task ClientFin_IsForwarded_AndTheUpstreamKeepsAnswering()
    {
        await using var rig = await Rig.StartAsync();

        await rig.App.SendAsync("request"u8.ToArray());
        rig.App.Shutdown(SocketShutdown.Send);
        Assert.Equal("request", await ReadToEndAsync(rig.Server)); // EOF reached: the FIN went through
        await rig.Server.SendAsync("answer after your FIN"u8.ToArray());
        rig.Server.Shutdown(SocketShutdown.Send);

        Assert.Equal("answer after your FIN", await ReadToEndAsync(rig.App));
        Assert.Equal(new TcpProxyResult(7, 21, TcpProxyEnd.Closed), await rig.Result);
    }

    [Fact]
    public async Task UpstreamFin_IsForwarded_AndTheClientKeepsSending()
    {
        await using var rig = await Rig.StartAsync();

        await rig.Server.SendAsync("banner"u8.ToArray());
        rig.Server.Shutdown(SocketShutdown.Send);
        Assert.Equal("banner", await ReadToEndAsync(rig.App));
        await rig.App.SendAsync("still talking"u8.ToArray());
        rig.App.Shutdown(SocketShutdown.Send);

        Assert.Equal("still talking", await ReadToEndAsync(rig.Server));
        Assert.Equal(new TcpProxyResult(13, 6, TcpProxyEnd.Closed), await rig.Result);
    }

    [Fact]
    public async Task LargeTransfers_BothWaysAtOnce_AreByteExact()
    {
        await using var rig = await Rig.StartAsync();
        var up = RandomBytes(3 * 1024 * 1024 + 17, seed: 1);
        var down = RandomBytes(2 * 1024 * 1024 + 5, seed: 2);

        var appSends = SendAndFinishAsync(rig.App, up);
        var serverSends = SendAndFinishAsync(rig.Server, down);
        var atServer = ReadAllAsync(rig.Server);
        var atApp = ReadAllAsync(rig.App);
        await Task.WhenAll(appSends, serverSends);

        Assert.Equal(up, await atServer);
        Assert.Equal(down, await atApp);
        Assert.Equal(new TcpProxyResult(up.Length, down.Length, TcpProxyEnd.Closed), await rig.Result);
    }

    [Fact]
    public async Task UpstreamReset_EndsBothDirections()
    {
        await using var rig = await Rig.StartAsync();
        await rig.App.SendAsync("x"u8.ToArray());
        Assert.Equal(1, await rig.Server.ReceiveAsync(new byte[1]));

        rig.Server.LingerState = new LingerOption(true, 0);
        rig.Server.Close(); // RST

        Assert.Equal(TcpProxyEnd.UpstreamReset, (await rig.Result).End);
    }

    [Fact]
    public async Task ClientReset_EndsBothDirections()
    {
        await using var rig = await Rig.StartAsync();
        await rig.Server.SendAsync("x"u8.ToArray());
        Assert.Equal(1, await rig.App.ReceiveAsync(new byte[1]));

        rig.App.LingerState = new LingerOption(true, 0);
        rig.App.Close(); // RST

        Assert.Equal(TcpProxyEnd.ClientReset, (await rig.Result).End);
    }

    [Fact]
    public async Task NoTrafficForTheIdleTimeout_ClosesTheConnection()
    {
        var time = new ManualTimeProvider();
        await using var rig = await Rig.StartAsync(time, TimeSpan.FromSeconds(10));

        time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(TcpProxyEnd.IdleTimeout, (await rig.Result).End);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task SendAndFinishAsync(Socket socket, byte[] data)
    {
        await socket.SendAsync(data);
        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<string> ReadToEndAsync(Socket socket) => Encoding.ASCII.GetString(await ReadAllAsync(socket));

    private static async Task<byte[]> ReadAllAsync(Socket socket)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (n == 0)
            {
                return all.ToArray();
            }

            all.Write(buffer, 0, n);
        }
    }

    /// <summary>Two loopback connections with the proxy between them.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly List<Socket> _sockets = [];

        public Socket App { get; private set; } = null!;

        public Socket Server { get; private set; } = null!;

        public Task<TcpProxyResult> Result { get; private set; } = null!;

        public static async Task<Rig> StartAsync(TimeProvider? time = null, TimeSpan? idle = null)
        {
            var rig = new Rig();
            var (app, proxyClientSide) = await rig.PairAsync();
            var (proxyUpstreamSide, server) = await rig.PairAsync();
            rig.App = app;
            rig.Server = server;
            var input = PipeReader.Create(new NetworkStream(proxyClientSide, ownsSocket: false));
            rig.Result = TcpProxy.RunAsync(input, proxyClientSide, Engine.Interception.L4Upstream.Plain(proxyUpstreamSide), idle ?? TimeSpan.FromHours(1), time ?? TimeProvider.System, CancellationToken.None)
                .WaitAsync(TimeSpan.FromSeconds(60));
            return rig;
        }

        private async Task<(Socket Connecting, Socket Accepted)> PairAsync()
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen();
            var connecting = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await connecting.ConnectAsync(listener.LocalEndPoint!);
            var accepted = await listener.AcceptAsync();
            _sockets.Add(connecting);
            _sockets.Add(accepted);
            return (connecting, accepted);
        }

        public ValueTask DisposeAsync()
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }
}
