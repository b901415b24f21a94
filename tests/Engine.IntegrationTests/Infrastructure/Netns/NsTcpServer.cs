using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Engine.IntegrationTests.Infrastructure.Netns;

/// <summary>
/// A small TCP server listening inside a namespace on <c>[::]:port</c> (dual-mode), with one of
/// two behaviours: <see cref="WhoAmI"/> (an HTTP/1.1 answer that says who it is, who called and
/// which headers arrived) or <see cref="Echo"/> (raw bytes back, and after the client's FIN a
/// trailer with the byte count — so a client that half-closes proves the FIN went through and
/// the way back stayed open), or <see cref="BannerEcho"/> (the same, server-first). Every read
/// is bounded in time.
/// </summary>
internal sealed class NsTcpServer : IAsyncDisposable
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(30);
    private readonly Socket _listener;
    private readonly Task _acceptLoop;
    private int _connections;

    private NsTcpServer(Socket listener, string name, Func<Socket, string, Task> handler)
    {
        _listener = listener;
        Name = name;
        _acceptLoop = AcceptLoopAsync(handler);
    }

    public string Name { get; }

    public int Connections => Volatile.Read(ref _connections);

    public static NsTcpServer WhoAmI(NetworkNamespace ns, int port, string name) => Start(ns, port, name, WhoAmIAsync);

    public static NsTcpServer Echo(NetworkNamespace ns, int port, string name) => Start(ns, port, name, EchoAsync);

    /// <summary>A server-first echo: it greets with <c>220 NAME ready</c> before the client says anything (SMTP-like).</summary>
    public static NsTcpServer BannerEcho(NetworkNamespace ns, int port, string name)
        => Start(ns, port, name, async (client, n) =>
        {
            await client.SendAsync(Encoding.ASCII.GetBytes($"220 {n} ready\n"));
            await EchoAsync(client, n);
        });

    /// <summary>A listening dual-mode socket on <c>[::]:port</c> inside the namespace.</summary>
    public static Socket Listen(NetworkNamespace ns, int port)
    {
        var socket = ns.CreateSocket(AddressFamily.InterNetworkV6);
        socket.DualMode = true;
        socket.Bind(new IPEndPoint(IPAddress.IPv6Any, port));
        socket.Listen(64);
        return socket;
    }

    private static NsTcpServer Start(NetworkNamespace ns, int port, string name, Func<Socket, string, Task> handler)
        => new(Listen(ns, port), name, handler);

    private async Task AcceptLoopAsync(Func<Socket, string, Task> handler)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return; // disposed
            }

            Interlocked.Increment(ref _connections);
            _ = HandleAsync(client, handler);
        }
    }

    private async Task HandleAsync(Socket client, Func<Socket, string, Task> handler)
    {
        try
        {
            await handler(client, Name);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The test's client went away or took too long: nothing to answer.
        }
        finally
        {
            client.Dispose();
        }
    }

    private static string Unmapped(EndPoint? endPoint)
        => endPoint is IPEndPoint ip && ip.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ip.Address.MapToIPv4(), ip.Port).ToString() : endPoint?.ToString() ?? "?";

    private static async Task WhoAmIAsync(Socket client, string name)
    {
        using var deadline = new CancellationTokenSource(ReadLimit);
        var head = new MemoryStream();
        var buffer = new byte[4096];
        while (head.Length < 64 * 1024 && !Encoding.Latin1.GetString(head.GetBuffer(), 0, (int)head.Length).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (n == 0)
            {
                return;
            }

            head.Write(buffer, 0, n);
        }

        var request = Encoding.Latin1.GetString(head.GetBuffer(), 0, (int)head.Length);
        var headerLines = request[(request.IndexOf("\r\n", StringComparison.Ordinal) + 2)..request.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var body = $"name={name}\npeer={Unmapped(client.RemoteEndPoint)}\nlocal={Unmapped(client.LocalEndPoint)}\n{headerLines.ToLowerInvariant()}\n";
        var response = $"HTTP/1.1 200 OK\r\nx-served-by: {name}\r\ncontent-type: text/plain\r\ncontent-length: {Encoding.UTF8.GetByteCount(body)}\r\nconnection: close\r\n\r\n{body}";
        await client.SendAsync(Encoding.UTF8.GetBytes(response), SocketFlags.None, deadline.Token);
        client.Shutdown(SocketShutdown.Send);
    }

    private static async Task EchoAsync(Socket client, string name)
    {
        using var deadline = new CancellationTokenSource(ReadLimit);
        var buffer = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            var n = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            if (n == 0)
            {
                break; // the client's FIN
            }

            total += n;
            await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, deadline.Token);
        }

        await client.SendAsync(Encoding.ASCII.GetBytes($"\n[{name}] received {total} bytes\n"), SocketFlags.None, deadline.Token);
        client.Shutdown(SocketShutdown.Send);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        await _acceptLoop;
    }
}
