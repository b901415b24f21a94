using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Engine.Interception;
using Microsoft.AspNetCore.Connections;

namespace Engine.Tests.Interception;

/// <summary>
/// One app connection through an <see cref="L4Forwarder"/>: a loopback socket pair whose accepted
/// side is handed to the forwarder as the listener would hand it (a connection context over the
/// socket), and closed when the forwarder returns, as the listener closes it.
/// </summary>
internal sealed class L4Connection : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly Socket _app;
    private readonly Socket _proxySide;

    private L4Connection(Socket app, Socket proxySide, Task forwarding)
    {
        _app = app;
        _proxySide = proxySide;
        Forwarding = forwarding;
    }

    /// <summary>The forwarder's work; done when the connection has been proxied (or refused).</summary>
    public Task Forwarding { get; }

    public static async Task<L4Connection> OpenAsync(L4Forwarder forwarder, TcpDecision decision, OriginalDestination destination)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var app = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await app.ConnectAsync(listener.LocalEndPoint!);
        var proxySide = await listener.AcceptAsync();
        var stream = new NetworkStream(proxySide, ownsSocket: false);
        var context = new DefaultConnectionContext(Guid.NewGuid().ToString())
        {
            Transport = new Duplex(PipeReader.Create(stream), PipeWriter.Create(stream)),
        };
        var addresses = new InterceptedAddresses(
            new ClientAddress((IPEndPoint)proxySide.RemoteEndPoint!), new ServerAddress((IPEndPoint)proxySide.LocalEndPoint!), destination);
        var forwarding = Task.Run(async () =>
        {
            try
            {
                await forwarder.ForwardAsync(context, proxySide, "outbound", "tcp", addresses, decision);
            }
            finally
            {
                proxySide.Dispose();
            }
        });
        return new L4Connection(app, proxySide, forwarding);
    }

    /// <summary>The app's end of the connection: the client address the proxy sees.</summary>
    public IPEndPoint AppEndPoint => (IPEndPoint)_app.LocalEndPoint!;

    /// <summary>Sends the text and reads as many bytes back; empty when the proxy closed the connection instead.</summary>
    public async Task<string> EchoAsync(string text)
        => Encoding.ASCII.GetString(await ExchangeAsync(Encoding.ASCII.GetBytes(text), text.Length));

    /// <summary>Sends <paramref name="sent"/> and reads up to <paramref name="expected"/> bytes back (fewer when the proxy closed the connection).</summary>
    public async Task<byte[]> ExchangeAsync(byte[] sent, int expected)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        var received = new byte[expected];
        var total = 0;
        try
        {
            await _app.SendAsync(sent, SocketFlags.None, deadline.Token);
            while (total < received.Length)
            {
                var n = await _app.ReceiveAsync(received.AsMemory(total), SocketFlags.None, deadline.Token);
                if (n == 0)
                {
                    break;
                }

                total += n;
            }
        }
        catch (SocketException)
        {
            // Reset by the proxy: nothing echoed.
        }

        return received[..total];
    }

    /// <summary>True when the proxy closed the connection (FIN or reset) with nothing more to read.</summary>
    public async Task<bool> IsClosedAsync()
    {
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            return await _app.ReceiveAsync(new byte[1], SocketFlags.None, deadline.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Half-closes, reads to the end, and waits for the forwarder to finish.</summary>
    public async Task CloseAsync()
    {
        try
        {
            _app.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already reset by the proxy.
        }

        while (!await IsClosedAsync())
        {
        }

        await Forwarding.WaitAsync(Deadline);
    }

    /// <summary>Resets the connection and waits for the forwarder to finish.</summary>
    public async Task ResetAsync()
    {
        _app.LingerState = new LingerOption(true, 0);
        _app.Close();
        await Forwarding.WaitAsync(Deadline);
    }

    public async ValueTask DisposeAsync()
    {
        if (!Forwarding.IsCompleted)
        {
            await ResetAsync();
        }

        _app.Dispose();
        _proxySide.Dispose();
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
